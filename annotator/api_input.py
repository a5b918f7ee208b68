"""The JSON API's request bodies. An explicit null for an optional field is that field left
out (its default): a client that sends every key, null for "none", meets the same rules as
one that leaves keys out. A required field still refuses null."""

from ninja import Schema
from pydantic import ValidationInfo, field_validator


class Input(Schema):
    """Base of every request body schema (not of answers: those are read from the ORM)."""

    @field_validator("*", mode="before")
    @classmethod
    def _null_is_left_out(cls, value, info: ValidationInfo):
        field = cls.model_fields[info.field_name]
        if value is None and not field.is_required():
            return field.get_default(call_default_factory=True)
        return value

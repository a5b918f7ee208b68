"""Django's PostgreSQL backend on the embedded server: the server starts (or is attached
to) when the first connection is opened. DATABASES["default"]["EMBEDDED"] says where:
{"data_dir": …, "database": the app's database, created if missing}."""

from django.db.backends.postgresql import base

from annotator import devdb


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        embedded = self.settings_dict["EMBEDDED"]
        params = devdb.connection_params(embedded["data_dir"], embedded["database"])
        self.settings_dict.update(HOST=params["host"], PORT=params["port"], USER=params["user"])
        return super().get_connection_params()

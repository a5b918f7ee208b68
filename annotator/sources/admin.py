from django.contrib import admin

from annotator.sources.models import ReliabilityAssessment, Source


class AssessmentInline(admin.TabularInline):
    # History is never overwritten: existing assessments are read-only, new ones are added.
    model = ReliabilityAssessment
    extra = 0
    fields = ["grade", "rationale", "assessed_by", "assessed_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "kind", "country", "domain"]
    list_filter = ["project", "kind"]
    search_fields = ["name", "aliases", "domain"]
    inlines = [AssessmentInline]

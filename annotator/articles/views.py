from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from annotator.articles.batches import (
    BatchRefused,
    Upload,
    batch_counts,
    batch_create,
    batch_is_stalled,
    batch_outlet_language_set,
    batch_resume,
    batch_start,
)
from annotator.articles.forms import ArticleMetadataForm, PasteForm, UploadForm
from annotator.articles.listing import article_listing
from annotator.articles.models import (
    Article,
    ImportBatch,
    ImportItem,
    ItemStatus,
    Origin,
    SourceFile,
)
from annotator.articles.services import (
    Overrides,
    article_import,
    article_metadata_update,
    can_edit_metadata,
)
from annotator.htmx import render_htmx
from annotator.params import number
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.sources.models import Source

REVIEW_PER_PAGE = 100


@require_GET
def article_list(request, slug):
    """The searchable list (also shown on the project page); htmx gets just the results,
    never the filters, so the search box being typed in is not replaced."""
    membership = membership_or_404(request.user, slug)
    listing = article_listing(membership.project, request.GET)
    context = {"project": membership.project, "membership": membership, "listing": listing}
    return render_htmx(request, "articles/article_list.html", context, partial="results")


def _recent_batches(project):
    return (
        ImportBatch.objects.filter(project=project)
        .select_related("created_by")
        .annotate(
            item_count=Count("items", filter=~Q(items__status=ItemStatus.UNPACKED)),
            pending_count=Count("items", filter=Q(items__status=ItemStatus.PENDING)),
            imported_count=Count("items", filter=Q(items__status=ItemStatus.IMPORTED)),
            rejected_count=Count("items", filter=Q(items__status=ItemStatus.REJECTED)),
        )[:10]
    )


def _upload_page(request, membership, form, paste_form, status=200):
    context = {
        "project": membership.project,
        "membership": membership,
        "form": form,
        "paste_form": paste_form,
        "batches": _recent_batches(membership.project),
        "outlet_names": Source.objects.filter(project=membership.project).values_list(
            "name", flat=True
        ),
    }
    return render(request, "articles/upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
def upload(request, slug):
    """Upload many files (or a .zip): stored as a batch that a background task imports."""
    membership = membership_or_404(request.user, slug)
    project = membership.project
    form = UploadForm(project, request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            uploads = [Upload(f.name, f.size, f.read) for f in form.cleaned_data["files"]]
            try:
                batch = batch_create(
                    project=project,
                    user=request.user,
                    uploads=uploads,
                    outlet=form.cleaned_data["outlet"],
                    language=form.cleaned_data["language"],
                )
            except BatchRefused as refusal:
                form.add_error("files", str(refusal))
            else:
                batch_start(batch=batch)
                return redirect("articles:batch", slug, batch.pk)
        return _upload_page(request, membership, form, PasteForm(), status=422)
    return _upload_page(request, membership, form, PasteForm())


def paste(request, slug):
    """One article from pasted text, through the same import service as files."""
    membership = membership_or_404(request.user, slug)  # outsiders: 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    project = membership.project
    form = PasteForm(request.POST)
    if not form.is_valid():
        return _upload_page(request, membership, UploadForm(project), form, status=422)
    data = form.cleaned_data
    overrides = Overrides(
        title=data["title"],
        outlet_name=data["outlet"],
        new_outlet=True,
        url=data["url"],
        published=data["published"],
        language=data["language"],
    )
    result = article_import(
        project=project,
        name="pasted-text.txt",
        data=data["text"].encode("utf-8"),
        origin=Origin.PASTE,
        uploaded_by=request.user,
        overrides=overrides,
    )
    if result.status == ItemStatus.REJECTED:
        form.add_error("text", result.reason)
        return _upload_page(request, membership, UploadForm(project), form, status=422)
    if result.status == ItemStatus.DUPLICATE:
        messages.info(request, result.reason + " Nothing new was stored.")
    else:
        messages.success(request, "Article imported.")
    return redirect("articles:about", slug, result.article.pk)


def _batch_or_404(membership, batch_id):
    return get_object_or_404(
        ImportBatch.objects.select_related("created_by"), pk=batch_id, project=membership.project
    )


@require_GET
def batch_detail(request, slug, batch_id):
    """Progress and per-file results of one batch; htmx polls the progress partial."""
    membership = membership_or_404(request.user, slug)
    batch = _batch_or_404(membership, batch_id)
    context = {
        "project": membership.project,
        "membership": membership,
        "batch": batch,
        "counts": batch_counts(batch),
        "items": ImportItem.objects.filter(batch=batch)
        .select_related("article")
        .only("position", "name", "size", "status", "reason", "article__title", "batch_id")
        .order_by("position"),
        "stalled": batch_is_stalled(batch),
        "can_review": can_edit_metadata(membership, uploaded_by_id=batch.created_by_id),
    }
    return render_htmx(request, "articles/batch.html", context, partial="progress")


def resume(request, slug, batch_id):
    """Queue a batch again whose worker stopped (it carries on with the files left)."""
    membership = membership_or_404(request.user, slug)  # outsiders: 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    batch = _batch_or_404(membership, batch_id)
    if batch_resume(batch=batch):
        messages.info(request, "The import was queued again; it goes on with the files left.")
    return redirect("articles:batch", slug, batch.pk)


@require_http_methods(["GET", "POST"])
def batch_review(request, slug, batch_id):
    """Fix detected metadata of a batch's new articles: a page of rows, or all at once."""
    membership = membership_or_404(request.user, slug)
    batch = _batch_or_404(membership, batch_id)
    if not can_edit_metadata(membership, uploaded_by_id=batch.created_by_id):
        raise PermissionDenied("Only the uploader, reviewers and owners review this import.")
    imported = ImportItem.objects.filter(batch=batch, status=ItemStatus.IMPORTED)
    total = imported.count()
    pages = max(1, -(-total // REVIEW_PER_PAGE))
    page = min(max(number(request.GET.get("page"), 1), 1), pages)
    article_ids = imported.order_by("position").values_list("article_id", flat=True)[
        (page - 1) * REVIEW_PER_PAGE : page * REVIEW_PER_PAGE
    ]
    articles = (
        Article.objects.filter(pk__in=list(article_ids))
        .select_related("outlet", "project")
        .defer("text")
        .order_by("pk")
    )
    status = 200
    if request.method == "POST" and request.POST.get("action") == "all":
        changed = batch_outlet_language_set(
            batch=batch,
            user=request.user,
            outlet_name=request.POST.get("all_outlet", ""),
            language=request.POST.get("all_language") or None,
        )
        messages.success(request, f"Updated {changed} article{'s' if changed != 1 else ''}.")
        return redirect(f"{reverse('articles:review', args=[slug, batch.pk])}?page={page}")
    forms = [ArticleMetadataForm(request.POST or None, article=a) for a in articles]
    if request.method == "POST":
        if all(form.is_valid() for form in forms):
            for form in forms:
                if form.has_changed():
                    _metadata_save(form)
            messages.success(request, "Metadata saved.")
            next_page = page + 1 if page < pages else page
            return redirect(f"{reverse('articles:review', args=[slug, batch.pk])}?page={next_page}")
        status = 422
    context = {
        "project": membership.project,
        "membership": membership,
        "batch": batch,
        "forms": forms,
        "page": page,
        "pages": pages,
        "page_numbers": range(1, pages + 1),
        "total": total,
        "outlet_names": Source.objects.filter(project=membership.project).values_list(
            "name", flat=True
        ),
    }
    return render(request, "articles/review.html", context, status=status)


def _metadata_save(form):
    """Only what the person changed: an untouched field keeps its value and provenance."""
    names = {
        "title": "title",
        "outlet": "outlet_name",
        "published": "published",
        "language": "language",
    }
    touched = set(form.changed_data)
    if form.outlet_is_new and form.cleaned_data["outlet"]:
        touched.add("outlet")  # the page promises that saving creates the proposed outlet
    changed = {names[f]: form.cleaned_data[f] for f in touched if f in names}
    if changed:
        article_metadata_update(article=form.article, **changed)


def _article_or_404(membership, article_id):
    return get_object_or_404(
        Article.objects.select_related("outlet", "uploaded_by", "project"),
        pk=article_id,
        project=membership.project,
    )


@require_http_methods(["GET", "POST"])
def about(request, slug, article_id):
    """An article's metadata and provenance (the original upload), with a form to fix them."""
    membership = membership_or_404(request.user, slug)
    article = _article_or_404(membership, article_id)
    source_file = SourceFile.objects.filter(article=article).defer("data").first()
    editable = can_edit_metadata(membership, uploaded_by_id=article.uploaded_by_id)
    form = ArticleMetadataForm(
        request.POST if request.method == "POST" else None, article=article, prefix="m"
    )
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("Only the uploader, reviewers and owners edit metadata.")
        if form.is_valid():
            _metadata_save(form)
            messages.success(request, "Metadata saved.")
            return redirect("articles:about", slug, article.pk)
        status = 422
    batch_item = (
        ImportItem.objects.filter(article=article, status=ItemStatus.IMPORTED)
        .only("batch_id")
        .first()
    )
    context = {
        "project": membership.project,
        "membership": membership,
        "article": article,
        "source_file": source_file,
        "batch_item": batch_item,
        "form": form,
        "editable": editable,
        "is_reviewer": membership.has_role(Role.REVIEWER),
        "outlet_names": Source.objects.filter(project=membership.project).values_list(
            "name", flat=True
        ),
    }
    return render(request, "articles/about.html", context, status=status)


@require_GET
def original(request, slug, article_id):
    """The uploaded bytes, exactly as received, as a download (never rendered inline)."""
    membership = membership_or_404(request.user, slug)
    source_file = get_object_or_404(SourceFile, article_id=article_id, project=membership.project)
    response = HttpResponse(bytes(source_file.data), content_type="application/octet-stream")
    # Invisible characters dropped, as Django does for uploads: a right-to-left override
    # (U+202E) in a zip member's name would make "a\u202etxt.exe" read as "aexe.txt".
    base = source_file.name.rsplit("/", 1)[-1]
    name = "".join(char for char in base if char.isprintable()) or "article"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response

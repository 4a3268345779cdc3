"""Search pages: results with filters, quick-find JSON, a result opened or marked helpful,
"none of these helped", and misses."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape

from wiki.comments import services as comments
from wiki.extensions import csrf
from wiki.forms import whole_number
from wiki.processes.tree import process_directory
from wiki.search import documents, services, signals
from wiki.search.models import NOT_HELPFUL
from wiki.search.offers import offers_for
from wiki.security import roles_required
from wiki.textutil import clean_line
from wiki.verification import search_success
from wiki.verification import services as verification

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.app_template_filter("marked")
def marked(pieces) -> Markup:
    """Highlighted text, (text, matched) pairs, as HTML: the matched words in <mark>. A filter
    rather than a macro: a results page draws sixty of them."""
    return Markup("").join(
        Markup("<mark>%s</mark>") % text if matched else escape(text) for text, matched in pieces
    )


@bp.get("")
def results():
    # Whoosh collects every hit up to the page asked for: deep pages are not worth the cost.
    page = min(whole_number(request.args.get("page")) or 1, 500)
    # Shown again after "none of these helped", or a trainer following up from the misses
    # page: not a new search, nor a new miss.
    fresh = request.args.get("counted") != "1"
    outcome = services.search(
        current_user,
        request.args.get("q", ""),
        process_path=request.args.get("process") or None,
        type_name=request.args.get("type") or None,
        tag=request.args.get("tag") or None,
        page=page,
        verified_only=request.args.get("verified") == "1",
        record=fresh,
    )
    if fresh and page == 1:
        services.count_for_health(outcome)
    process_path = _closest_process_path(outcome)
    hits = outcome.results.hits if outcome.results else []
    status = 503 if outcome.unavailable else 200
    headers = {"Retry-After": "30"} if outcome.unavailable else {}
    return (
        render_template(
            "search/results.html",
            outcome=outcome,
            type_labels={name: t.label for name, t in documents.TYPES.items()},
            offers=offers_for(outcome.text, process_path) if outcome.text else [],
            missed=request.args.get("missed") == "1",
            badges=verification.badges_by_key([hit.key for hit in hits]),
            passage_badge=verification.badge_at(outcome.passage.url) if outcome.passage else None,
            comment_counts=_comment_counts(outcome),
            # Absolute: a link's ping takes http(s) addresses only.
            opening=lambda hit: url_for(
                ".opened",
                q=outcome.text,
                key=hit.key,
                t=signals.link_token(current_user, outcome.text, hit.key),
                area=outcome.area or None,
                _external=True,
            ),
        ),
        status,
        headers,
    )


@bp.get("/quick")
def quick():
    results = services.quick_find(current_user, request.args.get("q", ""))
    for result in results:
        result["url"] = request.script_root + result["url"]
    return jsonify(results=results)


@bp.post("/opened")
@csrf.exempt  # a ping carries no form: the link's own token stands for the CSRF token
def opened():
    """A result opened from the results page (the link's `ping`, or the same POST from
    wiki.js), counted for its query. The token is made for this person, query and result by
    their own results page, so another site cannot make up an opening that counts."""
    text, document_key = request.args.get("q", ""), request.args.get("key", "")
    token = request.args.get("t", "")
    # Checked before the login (a public endpoint), so that a forged opening is told what
    # any request without its CSRF token is told.
    if not (
        current_user.is_authenticated
        and signals.token_matches(current_user, text, document_key, token)
    ):
        raise CSRFError("The opening's token is missing or wrong.")
    if services.visible_url(current_user, document_key) is None:
        abort(404)
    # A search followed by an opening counts once, at its first opening.
    first = not signals.opened_today(current_user, text)
    signals.record(current_user, text, document_key, signals.OPENED)
    if first:
        search_success.count_opening(request.args.get("area", ""))
    return "", 204


@bp.post("/helpful")
def helpful():
    text, document_key = request.form.get("q", ""), request.form.get("key", "")
    if services.visible_url(current_user, document_key) is None:
        abort(404)
    signals.record(current_user, text, document_key, signals.HELPFUL)
    flash("Thanks: this result will come higher for the next person who searches so.", "success")
    return redirect(url_for(".results", q=clean_line(text)[: services.MAX_QUERY], counted=1))


@bp.post("/not-helpful")
def not_helpful():
    text = request.form.get("q", "")
    process_path = request.form.get("process") or None
    type_name, tag = request.form.get("type") or None, request.form.get("tag") or None
    verified_only = request.form.get("verified") == "1"
    outcome = services.search(
        current_user, text, process_path=process_path, type_name=type_name, tag=tag,
        record=False, verified_only=verified_only,
    )  # fmt: skip
    count = outcome.results.total if outcome.results else 0
    if outcome.text:
        services.record_miss(current_user, outcome.text, outcome.process, NOT_HELPFUL, count)
        flash("Thanks: the trainers will see that this search did not help.", "success")
    return redirect(
        url_for(
            ".results",
            q=outcome.text,
            process=process_path,
            type=outcome.type,
            tag=outcome.tag,
            verified=1 if verified_only else None,
            missed=1,
            counted=1,  # shown again without counting a second miss
        )
    )


@bp.get("/misses")
@roles_required("trainer", "admin")
def misses():
    days = whole_number(request.args.get("days"))
    if days not in services.MISS_PERIODS:
        days = 30
    return render_template(
        "search/misses.html",
        days=days,
        periods=services.MISS_PERIODS,
        misses=services.top_misses(current_user, days),
        offers_for=offers_for,
    )


def _comment_counts(outcome: services.SearchOutcome) -> dict[str, int]:
    """Hit key → the open discussions on that page, for the pages among the results."""
    page_ids = [
        documents.split_key(hit.key)[1]
        for hit in (outcome.results.hits if outcome.results else [])
        if hit.type == "page"
    ]
    counts = comments.open_counts(page_ids)
    return {documents.key("page", page_id): count for page_id, count in counts.items()}


def _closest_process_path(outcome: services.SearchOutcome) -> str | None:
    """Where "ask an expert" and "log a gap" start: the process searched in, or else the
    process of the best hit (the words' closest process, even when the hits did not help)."""
    if outcome.process is not None:
        return outcome.process.path
    by_id = process_directory().by_id
    for hit in outcome.results.hits if outcome.results else []:
        if hit.process_id in by_id:
            return by_id[hit.process_id].path
    return None

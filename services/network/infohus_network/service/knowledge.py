"""Knowledge shared in the forum (vidensdeling): posts, their search, and their attachments.

An attachment's text is extracted (``documents``) and screened like any post before it is stored;
what a search looks in is the lower-cased title, body, tags and attachments of a post.
"""

import hashlib
from urllib.parse import quote

from infohus_platform.auth import Principal
from infohus_platform.errors import NotFound
from infohus_platform.runtime import Runtime

from .. import documents, domain, schemas
from ..storage import Attachment, ForumRepository, KnowledgePost
from .shared import author_municipality, meeting_or_not_found, network_settings, screen_free_text


def _search_text(post: KnowledgePost, attachment_texts: list[str]) -> str:
    tags = " ".join(f"[tag:{t.lower()}]" for t in post.tags)
    return "\n".join([post.title, post.body, tags, *attachment_texts]).lower()


def attachment_public(post_id: str, attachment: Attachment) -> schemas.AttachmentPublic:
    return schemas.AttachmentPublic(
        id=attachment.id, filename=attachment.filename, content_type=attachment.content_type, size=attachment.size,
        sha256=attachment.sha256, created_at=attachment.created_at,
        url=f"/api/v1/knowledge/{post_id}/attachments/{attachment.id}",
    )


async def _post_public(repo: ForumRepository, post: KnowledgePost) -> schemas.KnowledgePublic:
    return schemas.KnowledgePublic(
        id=post.id, title=post.title, body=post.body, kind=domain.KnowledgeKind(post.kind),
        source=domain.KnowledgeSource(post.source), tags=list(post.tags), meeting_id=post.meeting_id,
        author_name=post.author_name, author_municipality_code=post.author_municipality_code,
        created_at=post.created_at,
        attachments=[attachment_public(post.id, a) for a in await repo.attachments(post.id)],
    )


async def post_knowledge(runtime: Runtime, principal: Principal,
                         body: schemas.KnowledgeCreate) -> schemas.KnowledgePublic:
    screen_free_text(runtime, {"title": body.title, "body": body.body, "tags": body.tags},
                     body.confirms_no_individual_case, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        if body.meeting_id is not None:
            await meeting_or_not_found(repo, body.meeting_id)
        post = KnowledgePost(
            title=body.title.strip(), body=body.body, kind=body.kind.value, source=body.source.value,
            tags=sorted({t.strip() for t in body.tags}), meeting_id=body.meeting_id,
            author_user_id=principal.user_id, author_name=principal.name[:200],
            author_municipality_code=author_municipality(runtime, principal),
        )
        post.search_text = _search_text(post, [])
        repo.add(post)
        await session.commit()
        return await _post_public(repo, post)


async def search_knowledge(runtime: Runtime, q: str | None, kind: domain.KnowledgeKind | None,
                           source: domain.KnowledgeSource | None, tag: str | None,
                           limit: int) -> list[schemas.KnowledgePublic]:
    # A search for a CPR number or a case id is itself an attempt to discuss a case.
    screen_free_text(runtime, {"q": q, "tag": tag})
    terms = domain.search_terms(q or "")
    if tag:
        terms.append(f"[tag:{tag.strip().lower()}]")
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        found = await repo.posts(kind.value if kind else None, source.value if source else None, terms, limit)
        lowered = [t for t in terms if not t.startswith("[tag:")]
        # Title hits first, then the newest.
        found.sort(key=lambda p: not (lowered and domain.matches(p.title, lowered)))
        return [await _post_public(repo, p) for p in found]


async def knowledge_post(runtime: Runtime, post_id: str) -> schemas.KnowledgePublic:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        post = await repo.post(post_id)
        if post is None:
            raise NotFound("knowledge post")
        return await _post_public(repo, post)


async def add_attachment(runtime: Runtime, principal: Principal, post_id: str, filename: str, content_type: str,
                         data: bytes, confirmed: bool) -> schemas.AttachmentPublic:
    settings = network_settings(runtime)
    kind = domain.check_attachment(content_type, data, settings.attachment_max_bytes)
    text = documents.text_of(kind, data)
    screen_free_text(runtime, {"filename": filename, "body": text}, confirmed, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        post = await repo.post(post_id)
        if post is None:
            raise NotFound("knowledge post")
        attachment = Attachment(post_id=post_id, filename=filename,
                                content_type=content_type.split(";")[0].strip().lower(), size=len(data),
                                sha256=hashlib.sha256(data).hexdigest(), data=data, author_user_id=principal.user_id)
        repo.add(attachment)
        post.search_text = "\n".join([post.search_text, filename.lower(), text.lower()])
        repo.add(post)
        await session.commit()
    return attachment_public(post_id, attachment)


async def attachment(runtime: Runtime, post_id: str, attachment_id: str) -> tuple[Attachment, str]:
    """The attachment with its content, and the Content-Disposition to download it under its name."""
    async with runtime.db.session() as session:
        found = await ForumRepository(session).attachment(attachment_id)
    if found is None or found.post_id != post_id:
        raise NotFound("attachment")
    disposition = f"attachment; filename*=UTF-8''{quote(found.filename)}"
    return found, disposition

"""Knowledge routes: post and search knowledge, upload and download attachments."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from infohus_platform.auth import GuardDep
from infohus_platform.errors import TooLarge
from infohus_platform.runtime import RuntimeDep

from .. import schemas
from ..domain import FILENAME_PATTERN, KnowledgeKind, KnowledgeSource
from ..service import knowledge as use_cases
from ..service.shared import network_settings
from .access import POST, READ, allow

router = APIRouter(prefix="/api/v1", tags=["knowledge"])


@router.post("/knowledge", response_model=schemas.KnowledgePublic, status_code=status.HTTP_201_CREATED,
             responses={404: {"description": "No such meeting (`meeting_id`)."}})
async def post_knowledge(body: schemas.KnowledgeCreate, runtime: RuntimeDep,
                         access: GuardDep) -> schemas.KnowledgePublic:
    await allow(access, runtime, POST, "network_post")
    return await use_cases.post_knowledge(runtime, access.principal, body)


@router.get("/knowledge", response_model=list[schemas.KnowledgePublic])
async def search_knowledge(
    runtime: RuntimeDep,
    access: GuardDep,
    q: Annotated[str | None, Query(max_length=200, description="words in title, body, tags or attachments")] = None,
    kind: KnowledgeKind | None = None,
    source: KnowledgeSource | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[schemas.KnowledgePublic]:
    await allow(access, runtime, READ, "network_post")
    return await use_cases.search_knowledge(runtime, q, kind, source, tag, limit)


@router.get("/knowledge/{post_id}", response_model=schemas.KnowledgePublic)
async def knowledge_post(post_id: str, runtime: RuntimeDep, access: GuardDep) -> schemas.KnowledgePublic:
    await allow(access, runtime, READ, "network_post")
    return await use_cases.knowledge_post(runtime, post_id)


@router.post("/knowledge/{post_id}/attachments", response_model=schemas.AttachmentPublic,
             status_code=status.HTTP_201_CREATED,
             responses={413: {"description": "The attachment is larger than allowed."},
                        415: {"description": "The attachment is of a type that is not accepted."}})
async def add_attachment(
    post_id: str,
    request: Request,
    runtime: RuntimeDep,
    access: GuardDep,
    filename: Annotated[str, Query(pattern=FILENAME_PATTERN, max_length=120)],
    content_type: Annotated[str, Header()],
    confirms_no_individual_case: bool = False,
) -> schemas.AttachmentPublic:
    """Upload an attachment as the raw request body (PDF, text, Markdown, Word, PowerPoint)."""
    await allow(access, runtime, POST, "network_post")
    data = await _read_body(request, network_settings(runtime).attachment_max_bytes)
    return await use_cases.add_attachment(runtime, access.principal, post_id, filename, content_type, data,
                                          confirms_no_individual_case)


@router.get("/knowledge/{post_id}/attachments/{attachment_id}",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
async def attachment(post_id: str, attachment_id: str, runtime: RuntimeDep, access: GuardDep) -> Response:
    await allow(access, runtime, READ, "network_post")
    found, disposition = await use_cases.attachment(runtime, post_id, attachment_id)
    # nosniff: an uploaded file is served as what it was checked to be, never sniffed into HTML.
    return Response(found.data, media_type=found.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it (or what it declares) passes the limit: never read whole first."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("body", f"the attachment is larger than {limit} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise TooLarge("body", f"the attachment is larger than {limit} bytes")
    return bytes(data)

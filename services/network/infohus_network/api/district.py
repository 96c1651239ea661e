"""District and member routes: the district and its cadence, the municipalities, the members."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from .. import schemas
from ..service import district as use_cases
from .access import MANAGE, READ, allow

router = APIRouter(prefix="/api/v1")


@router.get("/district", response_model=schemas.DistrictPublic, tags=["district"])
async def district(runtime: RuntimeDep, access: GuardDep) -> schemas.DistrictPublic:
    """The district, its municipalities, the meeting cadence and whether a meeting or summons is due."""
    await allow(access, runtime, READ, "network_district")
    return await use_cases.district(runtime)


@router.put("/district/cadence", response_model=schemas.DistrictPublic, tags=["district"])
async def set_cadence(body: schemas.CadenceUpdate, runtime: RuntimeDep, access: GuardDep) -> schemas.DistrictPublic:
    await allow(access, runtime, MANAGE, "network_district")
    return await use_cases.set_cadence(runtime, access.principal, body)


@router.get("/municipalities", response_model=list[schemas.MunicipalityPublic], tags=["members"])
async def municipalities(runtime: RuntimeDep, access: GuardDep) -> list[schemas.MunicipalityPublic]:
    """The district's municipalities with their coordinators and attending leaders."""
    await allow(access, runtime, READ, "network_member")
    return await use_cases.municipalities(runtime)


@router.get("/members", response_model=list[schemas.MemberPublic], tags=["members"])
async def members(
    runtime: RuntimeDep, access: GuardDep,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None, active: bool | None = None,
) -> list[schemas.MemberPublic]:
    await allow(access, runtime, READ, "network_member")
    return await use_cases.members(runtime, municipality_code, active)


@router.post("/members", response_model=schemas.MemberPublic, status_code=status.HTTP_201_CREATED, tags=["members"])
async def add_member(body: schemas.MemberCreate, runtime: RuntimeDep, access: GuardDep) -> schemas.MemberPublic:
    await allow(access, runtime, MANAGE, "network_member")
    return await use_cases.add_member(runtime, body)


@router.patch("/members/{member_id}", response_model=schemas.MemberPublic, tags=["members"])
async def update_member(member_id: str, body: schemas.MemberUpdate, runtime: RuntimeDep,
                        access: GuardDep) -> schemas.MemberPublic:
    await allow(access, runtime, MANAGE, "network_member")
    return await use_cases.update_member(runtime, member_id, body)

"""Reports to PET/EAE at the police district (a member of a district): the list, filing and the sign-off."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import PetReportPublic
from ..service import pet_reports as use_cases

router = APIRouter(prefix="/api/v1", tags=["pet-reports"])


@router.get("/pet-reports")
async def pet_reports(runtime: RuntimeDep, guard: GuardDep) -> list[PetReportPublic]:
    """The municipalities' reports to PET/EAE this police district holds, newest first (empty when stand-alone)."""
    return await use_cases.list_pet_reports(runtime, guard)


@router.post("/pet-reports/{report_id}/file")
async def file_pet_report(report_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> PetReportPublic:
    """The first person files the report; it is filed once a second person signs off."""
    return await use_cases.file_pet_report(runtime, guard, report_id)


@router.post("/pet-reports/{report_id}/sign-off")
async def sign_off_pet_filing(report_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> PetReportPublic:
    """A second person (not the one who filed it) signs off: the report is filed and the municipality told."""
    return await use_cases.sign_off_pet_filing(runtime, guard, report_id)

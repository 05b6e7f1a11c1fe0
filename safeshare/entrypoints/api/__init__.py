"""The JSON API, `/api/v1`, for a school's MIS and a trust's tooling (issue 14)."""

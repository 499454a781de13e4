"""HTTP routes of the auth domain (login, users, audit-log page) — added with the web application."""

from fastapi import APIRouter

router = APIRouter()

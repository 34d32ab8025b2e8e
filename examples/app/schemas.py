"""Request and response bodies."""
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from app.models import UserPublic


class UserCreate(BaseModel):
    email: str
    full_name: str = ""
    password: str = Field(min_length=12)


class LoginRequest(BaseModel):
    email: str
    password: str


class PasswordChange(BaseModel):
    old_password: str
    new_password: str


class ItemCreate(BaseModel):
    sku: str
    title: str
    base_price: float = Field(gt=0)


class ItemRead(BaseModel):
    id: int
    sku: str
    title: str
    base_price: float


class ItemWithOwner(ItemRead):  # not fully defined at runtime
    owner: "UserPublic | None" = None

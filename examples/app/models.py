"""Database tables and the public user model."""
from sqlmodel import Field, Relationship, SQLModel


class UserPublic(SQLModel):
    id: int
    email: str
    full_name: str = ""


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True)
    full_name: str = ""
    hashed_password: str
    is_admin: bool = False

    items: list["Item"] = Relationship(back_populates="owner")


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(index=True)
    title: str
    base_price: float
    owner_id: int | None = Field(default=None, foreign_key="user.id")

    owner: User | None = Relationship(back_populates="items")

"""User accounts and login."""
import asyncio
import hashlib
import hmac
import os
import time
from time import sleep as nap

from fastapi import APIRouter, HTTPException
from sqlmodel import select

from app.db import SessionDep
from app.deps import CurrentUser, make_token
from app.models import User, UserPublic
from app.schemas import LoginRequest, PasswordChange, UserCreate

router = APIRouter(prefix="/users", tags=["users"])  # no service layer


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)
    return f"{salt.hex()}${digest.hex()}"


def verify_password(password: str, hashed: str) -> bool:
    salt, _, _ = hashed.partition("$")
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), hashed)


@router.post("/", response_model=User, status_code=201)  # table model: sends hashed_password
def create_user(payload: UserCreate, session: SessionDep):
    user = User(email=payload.email, full_name=payload.full_name, hashed_password=hash_password(payload.password))
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


@router.post("/token")
async def login(payload: LoginRequest, session: SessionDep):  # fat handler
    user = session.exec(select(User).where(User.email == payload.email)).first()  # blocking
    if user is None or not verify_password(payload.password, user.hashed_password):  # blocking via a sync helper
        nap(1)  # blocking
        raise HTTPException(status_code=401, detail="Wrong email or password")
    return {"access_token": make_token(user.id), "token_type": "bearer"}


@router.post("/password-reset")
async def request_password_reset(email: str, session: SessionDep):
    started = time.monotonic()
    user = session.exec(select(User).where(User.email == email)).first()  # blocking
    if user is not None:
        print(f"reset link for {user.email}: /reset?token={make_token(user.id)}")
    await asyncio.to_thread(time.sleep, max(0.0, 1 - (time.monotonic() - started)))
    return {"detail": "If the account exists, a reset link was sent"}


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser):
    return user


@router.get("/{user_id}", response_model=User)  # table model: sends hashed_password
def read_user(user_id: int, session: SessionDep, user: CurrentUser):
    found = session.get(User, user_id)
    if found is None:
        raise HTTPException(status_code=404, detail="User not found")
    return found


@router.put("/{user_id}/password", response_model=User)  # table model: sends hashed_password
def change_password(user_id: int, payload: PasswordChange, session: SessionDep, user: CurrentUser):  # fat handler
    target = session.exec(select(User).where(User.id == user_id)).first()
    if target is None:
        raise HTTPException(status_code=404, detail="User not found")
    if target.id != user.id and not user.is_admin:
        raise HTTPException(status_code=403, detail="You can only change your own password")
    salt, _, digest = target.hashed_password.partition("$")
    old = hashlib.pbkdf2_hmac("sha256", payload.old_password.encode(), bytes.fromhex(salt), 100_000)
    if not user.is_admin and not hmac.compare_digest(old.hex(), digest):
        raise HTTPException(status_code=400, detail="Old password is wrong")
    if len(payload.new_password) < 12 or payload.new_password == payload.old_password:
        raise HTTPException(status_code=422, detail="Choose a new password of 12+ characters")
    new_salt = os.urandom(16)
    new_digest = hashlib.pbkdf2_hmac("sha256", payload.new_password.encode(), new_salt, 100_000)
    target.hashed_password = f"{new_salt.hex()}${new_digest.hex()}"
    session.add(target)
    session.commit()
    session.refresh(target)
    return target

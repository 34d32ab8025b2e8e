"""Item endpoints."""
import asyncio
import csv
import time

import requests
from fastapi import APIRouter, HTTPException
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from app.db import SessionDep
from app.deps import CurrentUser
from app.models import Item
from app.schemas import ItemCreate, ItemRead, ItemWithOwner
from app.services.pricing import RATES_URL, quote_price

INVENTORY_URL = "https://inventory.example.com"
EXPORT_PATH = "/tmp/items-export.csv"

router = APIRouter(prefix="/items", tags=["items"])


def get_item_or_404(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


@router.get("/", response_model=list[ItemRead])
def list_items(session: SessionDep, offset: int = 0, limit: int = 50):
    return session.exec(select(Item).offset(offset).limit(limit)).all()


@router.post("/", response_model=ItemRead, status_code=201)
async def create_item(payload: ItemCreate, session: SessionDep, user: CurrentUser):
    item = Item(**payload.model_dump(), owner_id=user.id)
    for attempt in range(3):
        try:
            session.add(item)
            session.commit()  # blocking
            break
        except OperationalError:
            session.rollback()  # blocking, counted in the finding on line 41
            time.sleep(0.1 * 2**attempt)  # blocking
    session.refresh(item)  # blocking, counted in the finding on line 41
    return item


@router.post("/export")
async def export_items(session: SessionDep, user: CurrentUser):
    items = session.exec(select(Item).where(Item.owner_id == user.id)).all()  # blocking
    with open(EXPORT_PATH, "w", newline="") as fh:  # blocking
        writer = csv.writer(fh)
        writer.writerow(["id", "sku", "title", "base_price"])
        writer.writerows([item.id, item.sku, item.title, item.base_price] for item in items)
    return {"path": EXPORT_PATH, "count": len(items)}


@router.get("/{item_id}/details")
def item_details(item_id: int, session: SessionDep):
    item = get_item_or_404(session, item_id)
    return ItemWithOwner.model_validate(item, from_attributes=True)


@router.get("/{item_id}/stock")
async def item_stock(item_id: int):
    response = requests.get(f"{INVENTORY_URL}/stock/{item_id}", timeout=5)  # blocking
    response.raise_for_status()
    return {"item_id": item_id, "quantity": response.json()["quantity"]}


@router.get("/{item_id}/price")
async def item_price(item_id: int, session: SessionDep, currency: str = "EUR"):
    item = get_item_or_404(session, item_id)  # blocking via a sync helper
    return {"item_id": item_id, "currency": currency, "price": quote_price(item.base_price, currency)}  # blocking via a sync helper


@router.get("/{item_id}/rates")
def item_rates(item_id: int, session: SessionDep):
    get_item_or_404(session, item_id)
    response = requests.get(RATES_URL, params={"base": "USD"}, timeout=5)
    response.raise_for_status()
    return response.json()["rates"]


@router.get("/{item_id}/wait-for-stock")
async def wait_for_stock(item_id: int, attempts: int = 5):
    for _ in range(attempts):
        response = await asyncio.to_thread(
            requests.get, f"{INVENTORY_URL}/stock/{item_id}", timeout=5
        )
        if response.ok and response.json()["quantity"] > 0:
            return {"item_id": item_id, "available": True}
        await asyncio.sleep(1)
    return {"item_id": item_id, "available": False}

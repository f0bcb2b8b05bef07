"""What the broker (and result store) holds after the story: every key of the test's Redis
database, each value read by its type, Celery's messages decoded."""

import base64
import json
from dataclasses import dataclass

import redis
from django.conf import settings

from config.celery import app


@dataclass(frozen=True)
class RedisItem:
    key: str
    kind: str  # string, list, set, zset, hash
    content: bytes  # the value(s), and each Celery message's decoded body after them


def _queue_the_periodic_tasks() -> list[str]:
    """Each task of the beat schedule, queued as beat queues it, and run here once with its
    result stored as a worker stores it. The bidding story itself queues nothing before the
    deadline (a decryption job is queued at the opening); these are what a worker's broker
    holds meanwhile. (Run in the test's process, not by a worker: a worker would take the
    messages off the queue, and starting one costs seconds; the stored result is the same.)"""
    app.loader.import_default_modules()  # the tasks' modules, as a worker imports them
    names = []
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        name = entry["task"]
        app.send_task(name, args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
        task = app.tasks[name]
        if not task.ignore_result:
            ran = task.apply()
            app.backend.store_result(ran.id, ran.result, ran.state, traceback=ran.traceback)
        names.append(name)
    return names


def _decoded(raw: bytes) -> bytes:
    """A Celery message's body, base64 inside kombu's JSON envelope, decoded."""
    try:
        message = json.loads(raw)
        return base64.b64decode(message["body"])
    except (ValueError, KeyError, TypeError):
        return b""


def redis_after_the_story() -> list[RedisItem]:
    """Every key the periodic tasks left, read; then removed, keys there before left alone."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    there_before = set(client.scan_iter(count=1000))
    _queue_the_periodic_tasks()
    items = []
    keys = list(client.scan_iter(count=1000))
    for key in keys:
        kind = client.type(key).decode()
        if kind == "string":
            values = [client.get(key) or b""]
        elif kind == "list":
            values = client.lrange(key, 0, -1)
            values += [_decoded(value) for value in values]
        elif kind == "set":
            values = list(client.smembers(key))
        elif kind == "zset":
            values = [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        elif kind == "hash":
            values = [part for pair in client.hgetall(key).items() for part in pair]
            values += [_decoded(value) for value in values]
        else:
            values = []
        items.append(RedisItem(key.decode(), kind, b"\n".join(values)))
    new = [key for key in keys if key not in there_before]
    if new:
        client.delete(*new)
    return items

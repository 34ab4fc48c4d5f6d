"""Scale-out on scrapy-redis: the same spiders on several processes or machines, one writer.

    widen crawl --redis URL [--workers N]   each worker: shared request queue + dupefilter per
                                            source in Redis; items (after normalize → classify →
                                            validate → dedupe) pushed to Redis instead of SQLite
    widen drain --redis URL --db widen.db   the single writer: batched Store.write + crawl_runs

Keys (one set per source, so two sources on one platform spider never share a queue):
    widen:<slug>:requests     priority queue of serialized requests (scrapy-redis)
    widen:<slug>:dupefilter   fingerprints seen this run (scrapy-redis)
    widen:<slug>:busy         workers busy on the source (zset: worker -> until when, server ms)
    widen:<slug>:leases       requests handed to a worker and not yet done (zset: request -> until
                              when); a killed worker's leases expire and go back to the queue
    widen:<slug>:claim:<run>  who started run <run>; claiming it clears queue + dupefilter
    widen:items, widen:runs   items and per-worker run reports waiting for `widen drain`

scrapy-redis 0.9.1 with Scrapy 2.19 (see FIELD-NOTES), and what this module does about it:
- SCHEDULER_PERSIST=False flushes queue and dupefilter when *a* worker closes, under the feet of
  the others; SCHEDULER_PERSIST=True keeps the dupefilter forever, so listings would never be
  re-crawled. Here persist is on and each run starts by an atomic claim (Lua: SET NX + DEL) that
  clears the source's keys exactly once per run key, whichever worker or machine comes first.
- Its scheduler/pipeline pass `spider=` to stats and expect `spider` in process_item (deprecated
  in 2.19): the subclasses below use the current signatures.
- redis-py 8 defaults to socket_timeout=5 and a blocking pop longer than that raises; the
  scheduler here never blocks (blocking would also freeze the reactor), idle workers poll.
- A worker whose queue is momentarily empty must not quit while another worker is still
  producing links: it stays while the queue is non-empty, another worker marked itself busy
  within `WIDEN_REDIS_IDLE_GRACE` seconds, or another worker's requests are leased. Its own
  marker does not keep it (a lone worker ends as soon as its work does).
- A popped request is leased, not gone: it stays in `leases` until the engine has downloaded
  and scraped it (items pushed), renewed every few seconds; when a worker is killed its leases
  expire after `WIDEN_REDIS_LEASE_SECONDS` and the next pop puts them back on the queue. So a
  killed worker loses no page (at-least-once: a page it had half done is fetched again).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.pipelines import RedisPipeline
from scrapy_redis.scheduler import Scheduler

ITEMS_KEY = "widen:items"
RUNS_KEY = "widen:runs"
CLAIM_TTL = 7 * 24 * 3600

# KEYS: claim, requests, dupefilter, leases, busy; ARGV: ttl. Clears the source's run state only
# for the first claimer.
_CLAIM_LUA = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  return 1
end
return 0
"""
# Server time in ms: every worker, on any machine, compares against the same clock.
_NOW = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
# Expired leases back onto the queue (a lease member is "<queue score>|<request>").
_REQUEUE = """
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  local bar = string.find(m, '|', 1, true)
  redis.call('ZADD', KEYS[1], tonumber(string.sub(m, 1, bar - 1)), string.sub(m, bar + 1))
  redis.call('ZREM', KEYS[2], m)
end
"""
# KEYS: requests, leases; ARGV: how many, lease ms. Pops requests and leases them, in one step.
_POP_LUA = _NOW + _REQUEUE + """
local out = {}
local popped = redis.call('ZPOPMIN', KEYS[1], ARGV[1])
for i = 1, #popped, 2 do
  local m = popped[i + 1] .. '|' .. popped[i]
  redis.call('ZADD', KEYS[2], now + ARGV[2], m)
  out[#out + 1] = m
end
return out
"""
# KEYS: leases; ARGV: lease ms, members. Extends this worker's leases (XX: never revives a done one).
_RENEW_LUA = _NOW + """
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + ARGV[1], ARGV[i]) end
return 0
"""
# KEYS: busy; ARGV: worker, grace ms.
_BUSY_LUA = _NOW + "redis.call('ZADD', KEYS[1], now + ARGV[2], ARGV[1]) return 0"
# KEYS: requests, leases, busy; ARGV: worker. Work left for a worker whose own queue is empty:
# expired leases go back to the queue; then queued + leased requests + other busy workers.
_OTHERS_LUA = _NOW + _REQUEUE + """
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local me = redis.call('ZSCORE', KEYS[3], ARGV[1]) and 1 or 0
return redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) - me
"""


def key(slug: str, part: str) -> str:
    return f"widen:{slug}:{part}"


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def connect(url: str) -> Any:
    """A redis client for URL with timeouts that suit non-blocking calls (see module docstring)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)


def claim_run(server: Any, slugs: Iterable[str], run_key: str) -> list[str]:
    """Start run `run_key` for each source: the first claimer clears queue and dupefilter.

    Returns the slugs this call cleared (empty when another worker already started the run)."""
    script = server.register_script(_CLAIM_LUA)
    cleared = []
    for slug in slugs:
        if script(keys=[key(slug, f"claim:{run_key}"), key(slug, "requests"), key(slug, "dupefilter"),
                        key(slug, "leases"), key(slug, "busy")], args=[socket.gethostname(), CLAIM_TTL]):
            cleared.append(slug)
    return cleared


def worker_settings(redis_url: str, run_key: str) -> dict[str, Any]:
    """Scrapy setting overrides that turn a widen crawl into a scrapy-redis worker."""
    from scrapy.utils.project import get_project_settings

    pipelines = dict(get_project_settings().getdict("ITEM_PIPELINES"))
    pipelines.pop("pipelines.store.StorePipeline", None)
    pipelines["crawlers.scaleout.RedisItemPipeline"] = 500
    return {
        "REDIS_URL": redis_url,
        "REDIS_PARAMS": {"socket_timeout": 30, "socket_connect_timeout": 10, "retry_on_timeout": True},
        "SCHEDULER": "crawlers.scaleout.RedisScheduler",
        "SCHEDULER_PERSIST": True,
        "DUPEFILTER_CLASS": "crawlers.scaleout.SourceDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "ITEM_PIPELINES": pipelines,
        "EXTENSIONS": {**get_project_settings().getdict("EXTENSIONS"), "crawlers.scaleout.WorkerExtension": 700},
        # The run is judged as a whole by `widen drain`; one worker alone may rightly see 0 items.
        "SPIDERMON_ENABLED": False,
        "WIDEN_RUN_ID": run_key,
    }


class SourceDupeFilter(RFPDupeFilter):
    """scrapy-redis' dupefilter under a per-source key, built without `from_spider`'s spider.name."""

    def log(self, request: Any, spider: Any) -> None:
        spider.crawler.stats.inc_value("dupefilter/filtered")


# KEYS: dupefilter, requests, busy; ARGV: fingerprint, score, request, worker, grace ms.
# One round-trip per new link instead of three: seen? → queue it → mark this worker busy.
_ENQUEUE_LUA = _NOW + """
if ARGV[1] == '' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  redis.call('ZADD', KEYS[3], now + ARGV[5], ARGV[4])
  return 1
end
return 0
"""


def lifo_score(priority: int) -> float:
    """ZSET score: higher priority first, then newest first (LIFO, Scrapy's default order).

    scrapy-redis scores by priority alone, and equal scores pop in the byte order of the pickled
    requests: the next list page then waits behind every detail page queued before it, and the
    end of a crawl walks the list pages one at a time. Newest-first keeps paging moving, so the
    queue stays full. Milliseconds (≈1.8e12) stay below one priority step (1e13), within a
    double's 53 bits.
    """
    return -(priority * 1e13) - time.time() * 1000


class RedisScheduler(Scheduler):
    """scrapy-redis' scheduler keyed by source slug, never blocking, never flushing on close
    (runs are cleared by `claim_run`), and marking `active` whenever it hands out or takes work.

    Round-trips are what a worker waits on (each is a context switch to redis-server, costly on a
    busy machine): a new link costs one (a Lua script: dupefilter + queue + busy marker), and
    requests are taken `WIDEN_REDIS_PREFETCH` at a time with ZPOPMIN (atomic, so no two workers
    get the same request). Prefetched requests not yet crawled go back to the queue on close.
    """

    def open(self, spider: Any) -> None:  # type: ignore[override]
        slug = getattr(spider, "source_slug", spider.name)
        settings = spider.crawler.settings
        self.queue_key = key(slug, "requests")
        self.leases_key = key(slug, "leases")
        self.busy_key = key(slug, "busy")
        self.grace_ms = int(1000 * settings.getfloat("WIDEN_REDIS_IDLE_GRACE", 5.0))
        self.lease_ms = int(1000 * settings.getfloat("WIDEN_REDIS_LEASE_SECONDS", 60.0))
        self.prefetch = max(1, settings.getint("WIDEN_REDIS_PREFETCH", 4))
        self.buffer: list[tuple[Any, bytes]] = []  # prefetched (request, lease member)
        self.handed: dict[Any, bytes] = {}  # request given to the engine -> its lease member
        self._touched = 0.0
        self._enqueue = self.server.register_script(_ENQUEUE_LUA)
        self._pop = self.server.register_script(_POP_LUA)
        self._renew = self.server.register_script(_RENEW_LUA)
        self._busy = self.server.register_script(_BUSY_LUA)
        self._others = self.server.register_script(_OTHERS_LUA)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.df = SourceDupeFilter(self.server, key=key(slug, "dupefilter"), debug=settings.getbool("DUPEFILTER_DEBUG"))
        super().open(spider)

    def close(self, reason: str) -> None:  # type: ignore[override]
        """Keep queue and dupefilter (other workers of this run use them); hand back prefetched
        requests. Requests still in the engine keep their leases: they expire and are re-queued."""
        for request, _member in self.buffer:
            self.queue.push(request)
        if self.buffer:
            self.server.zrem(self.leases_key, *[m for _, m in self.buffer])
        self.buffer = []

    def __len__(self) -> int:
        return len(self.buffer) + len(self.queue)

    def mark_busy(self) -> None:
        """Mark this worker busy on the source for `grace` (one round-trip)."""
        self._busy(keys=[self.busy_key], args=[self.worker, self.grace_ms])

    def mark_idle(self) -> None:
        """Drop this worker's busy mark at once, so the others need not wait out its grace."""
        self.server.zrem(self.busy_key, self.worker)

    def touch(self) -> None:
        """mark_busy, at most every 0.5 s."""
        now = time.monotonic()
        if now - self._touched >= 0.5:
            self._touched = now
            self.mark_busy()

    def release_done(self, in_progress: Any) -> None:
        """End the leases of requests the engine has finished (downloaded and scraped, items
        pushed): `in_progress` is the engine's set of requests between hand-off and that point."""
        done = [r for r in self.handed if r not in in_progress]
        if done:
            self.server.zrem(self.leases_key, *[self.handed.pop(r) for r in done])

    def renew(self) -> None:
        """Extend the leases this worker holds (called from the busy-marker thread)."""
        members = [m for _, m in list(self.buffer)] + list(self.handed.values())
        if members:
            self._renew(keys=[self.leases_key], args=[self.lease_ms, *members])

    def enqueue_request(self, request: Any) -> bool:
        # A start URL is dont_filter for local crawls; across workers it must still be fetched once.
        shared = not request.dont_filter or request.meta.get("widen_start")
        fp = self.df.request_fingerprint(request) if shared else ""
        added = self._enqueue(keys=[self.df.key, self.queue_key, self.busy_key],
                              args=[fp, lifo_score(request.priority), self.queue._encode_request(request),
                                    self.worker, self.grace_ms])
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def backlogged(self) -> bool:
        """True while this worker's downloader holds requests it cannot start yet.

        Scrapy's engine pulls from the scheduler until CONCURRENT_REQUESTS (32) are in the
        downloader, although a domain downloads only CONCURRENT_REQUESTS_PER_DOMAIN at a time: the
        worker that parsed a list page would take all its links and queue them locally while the
        other workers sit idle (measured: 1,015 pages to 37). Taking only what can start now
        leaves the rest in Redis for whichever worker frees a slot first.
        """
        return any(slot.queue for slot in self.spider.crawler.engine.downloader.slots.values())

    def next_request(self) -> Any:
        if self.backlogged():
            return None
        if not self.buffer:
            popped = self._pop(keys=[self.queue_key, self.leases_key], args=[self.prefetch, self.lease_ms])
            self.buffer = [(self.queue._decode_request(m.split(b"|", 1)[1]), m) for m in popped]
        if not self.buffer:
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        self.touch()
        request, member = self.buffer.pop(0)
        self.handed[request] = member
        return request

    def others_active(self) -> bool:
        """Work left for this source beyond this worker: queued or leased requests (expired
        leases are re-queued first), or another worker marked busy within the grace."""
        return bool(self._others(keys=[self.queue_key, self.leases_key, self.busy_key], args=[self.worker]))


class RedisItemPipeline(RedisPipeline):
    """Push each finished item to `widen:items` with its run and source, for `widen drain`."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisItemPipeline:
        pipe = cls(server=connect(crawler.settings["REDIS_URL"]), key=ITEMS_KEY)
        pipe.crawler = crawler
        return pipe

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        spider = self.crawler.spider
        data = {**item, "_run_id": self.crawler.settings.get("WIDEN_RUN_ID"),
                "_source": getattr(spider, "source_slug", spider.name)}
        self.server.rpush(self.key, json.dumps(data, default=str, ensure_ascii=False))
        return item


class WorkerExtension:
    """Keeps an idle worker alive while the run still has work, and reports the worker's run.

    - busy marker (a thread, every 0.5 s): marks this worker busy while it downloads or parses,
      and renews its leases. A thread, because a long parse blocks the reactor (and any
      LoopingCall) for seconds, and that is exactly when the other workers must not conclude the
      run is over or take its requests.
    - wake-up (reactor, every 0.1 s): ends the leases of finished requests; an idle worker picks
      up links other workers enqueued.
    - spider_idle: DontCloseSpider while the shared queue has requests or another worker is busy.
    - spider_closed: a JSON report (pages, errors, drops, finish reason) to `widen:runs`.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.started = utcnow()
        self.loop: Any = None
        self.waiting = False  # idle, but other workers still have work for this source

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerExtension:
        from scrapy import signals

        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def scheduler(self) -> RedisScheduler:
        return self.crawler.engine._slot.scheduler

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet.task import LoopingCall

        self.started = utcnow()
        self.loop = LoopingCall(self.wake)
        self.loop.start(0.1, now=False)
        self.closed = threading.Event()
        threading.Thread(target=self.mark_busy, name="widen-busy-marker", daemon=True).start()

    def mark_busy(self) -> None:
        engine = self.crawler.engine
        scheduler = self.scheduler
        renew_every = max(1.0, scheduler.lease_ms / 4000)
        renewed = time.monotonic()
        while not self.closed.wait(0.5):
            try:
                if engine._slot is not None and not engine.spider_is_idle():
                    scheduler.mark_busy()
                if time.monotonic() - renewed >= renew_every:
                    renewed = time.monotonic()
                    scheduler.renew()
            except Exception:  # engine state read mid-change, or redis hiccup: next tick retries
                continue

    def wake(self) -> None:
        engine = self.crawler.engine
        if engine is None or engine._slot is None:
            return
        self.scheduler.release_done(engine._slot.inprogress)
        # Work arrived, or this worker waits on others: look again now, not at the 5 s heartbeat.
        if len(self.scheduler) or self.waiting:
            engine._slot.nextcall.schedule()

    def spider_idle(self, spider: Any) -> None:
        from scrapy.exceptions import DontCloseSpider

        engine = self.crawler.engine
        scheduler = self.scheduler
        scheduler.release_done(engine._slot.inprogress if engine._slot is not None else ())
        if len(scheduler):
            self.waiting = False
            raise DontCloseSpider
        scheduler.mark_idle()
        self.waiting = scheduler.others_active()
        if self.waiting:
            raise DontCloseSpider

    def spider_closed(self, spider: Any, reason: str) -> None:
        from crawlers.stats import run_errors

        if self.loop is not None and self.loop.running:
            self.loop.stop()
            self.closed.set()
        stats = self.crawler.stats
        errors = list(getattr(spider, "errors", []))
        report = {
            "run_id": self.crawler.settings.get("WIDEN_RUN_ID"),
            "source": getattr(spider, "source_slug", spider.name),
            "platform": getattr(spider, "platform", spider.name),
            "worker": f"{socket.gethostname()}:{os.getpid()}",
            "started": self.started, "finished": utcnow(),
            "pages": int(stats.get_value("response_received_count", 0) or 0),
            "dropped": int(stats.get_value("widen/dropped", 0) or 0),
            "errors": run_errors(stats.get_stats(), spider),
            "error_messages": errors[:50],
            "finish_reason": reason,
        }
        self.scheduler.server.rpush(RUNS_KEY, json.dumps(report))


# -- the single writer ----------------------------------------------------------------------

def _pop_all(server: Any, name: str, batch: int) -> Iterable[list[bytes]]:
    while True:
        chunk = server.lpop(name, batch)
        if not chunk:
            return
        yield chunk


class Drainer:
    """Moves items and run reports from Redis into SQLite; the only process writing the db.

    Reports are read *before* items in each pass: a worker pushes its report after its last item,
    so every item of a report read in this pass is already in the list and gets stored first.
    """

    def __init__(self, server: Any, db_path: str, batch: int | None = None, config_path: str | None = None):
        from pipelines.store import BATCH_SIZE, Store

        self.server = server
        self.config_path = config_path
        self.db_path = db_path
        self.store = Store(db_path)
        self.batch = batch or BATCH_SIZE
        self.counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.sources: dict[str, Any] = {}

    def drain_once(self) -> dict[str, int]:
        reports = [json.loads(r) for chunk in _pop_all(self.server, RUNS_KEY, 1000) for r in chunk]
        stored = 0
        for chunk in _pop_all(self.server, ITEMS_KEY, self.batch):
            groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
            for raw in chunk:
                item = json.loads(raw)
                groups[(item.pop("_run_id", None) or "?", item.pop("_source", None) or item.get("source"))].append(item)
            for run_source, items in groups.items():
                acc = self.counts[run_source]
                for k, v in self.store.write(items).items():
                    acc[k] += v
                acc["items"] += len(items)
                for it in items:
                    for name, value in it.items():
                        if not name.startswith("_") and value not in (None, "", [], {}):
                            acc[f"cov:{name}"] += 1
                stored += len(items)
        for rep in reports:
            self._record(rep)
        return {"items": stored, "reports": len(reports)}

    def _record(self, rep: dict[str, Any]) -> None:
        """Merge one worker's report (and the items stored for its run so far) into crawl_runs."""
        from crawlers.db import ensure_health_columns
        from crawlers.monitors import RunFacts, evaluate, refresh_sources

        run_id, slug = rep["run_id"], rep["source"]
        acc = self.counts.pop((run_id, slug), defaultdict(int))
        conn = self.store.db.conn
        with self.store._lock:
            ensure_health_columns(conn)
            cur = conn.execute("SELECT * FROM crawl_runs WHERE run_id = ? AND source = ?", (run_id, slug))
            found = cur.fetchone()
            if found is None:
                cur = conn.execute("INSERT INTO crawl_runs (run_id, source, platform, started, pages, items, new, "
                                   "updated, unchanged, dropped, errors) VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0)",
                                   (run_id, slug, rep.get("platform"), rep["started"]))
                row: dict[str, Any] = {"id": cur.lastrowid, "started": rep["started"]}
            else:
                row = dict(zip([c[0] for c in cur.description], found, strict=True))
            before = int(row.get("items") or 0)
            items = before + acc.get("items", 0)
            # Coverage merges as counts: the stored shares times the items they were taken over.
            have = {k: v * before for k, v in json.loads(row.get("coverage") or "{}").items()}
            for k, v in acc.items():
                if k.startswith("cov:"):
                    have[k[4:]] = have.get(k[4:], 0) + v
            coverage = {k: round(v / items, 4) for k, v in have.items()} if items else {}
            prior = row.get("finish_reason")
            started = min(row["started"], rep["started"])
            src = self._source(slug)
            facts = RunFacts(source=slug, items=items, pages=int(row.get("pages") or 0) + rep["pages"],
                             errors=int(row.get("errors") or 0) + rep["errors"],
                             dropped=int(row.get("dropped") or 0) + rep["dropped"],
                             finish_reason=rep["finish_reason"] if prior in (None, "finished") else prior,
                             coverage=coverage, kind=getattr(src, "kind", None), platform=rep.get("platform"),
                             options=dict(getattr(src, "options", {}) or {}))
            failures = evaluate(facts)
            values = {
                "pages": facts.pages, "items": items, "dropped": facts.dropped, "errors": facts.errors,
                **{k: int(row.get(k) or 0) + acc.get(k, 0) for k in ("new", "updated", "unchanged")},
                "error_messages": "\n".join(filter(None, [row.get("error_messages"), *rep.get("error_messages", [])]))
                or None,
                "finish_reason": facts.finish_reason, "started": started, "finished": rep["finished"],
                "duration_s": round((dt.datetime.fromisoformat(rep["finished"])
                                     - dt.datetime.fromisoformat(started)).total_seconds(), 1),
                "monitor_failures": json.dumps(failures),
                "coverage": json.dumps(coverage, sort_keys=True) if coverage else None,
            }
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("UPDATE crawl_runs SET " + ", ".join(f'"{k}" = ?' for k in values) + " WHERE id = ?",
                             [*values.values(), row["id"]])
                refresh_sources(conn, [slug])
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _source(self, slug: str) -> Any:
        if slug not in self.sources:
            from crawlers.config import ConfigError, get_source

            try:
                self.sources[slug] = get_source(slug, self.config_path)
            except ConfigError:
                self.sources[slug] = None
        return self.sources[slug]

    def run(self, follow: bool = False, poll: float = 1.0,
            stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
        """Drain until both lists are empty (or, with `follow`, until `stop()` says so)."""
        total = {"items": 0, "reports": 0}
        while True:
            got = self.drain_once()
            for k in total:
                total[k] += got[k]
            if stop() or (not follow and not any(got.values())):
                break
            if not any(got.values()):
                time.sleep(poll)
        self.store.close()
        return total

"""The Python side of the Feast row (bench/feast.ts), run with the bench's Feast virtual environment.

  python feast_bench.py parquet ROWS.jsonl OUT.parquet   the rows freshindex loads, as Parquet
  python feast_bench.py materialize REPO START END        times store.materialize() of REPO's views

`materialize` prints one JSON line: {"seconds": ..., "write_seconds": ...}: the time of
store.materialize() alone (the store is opened and its registry read before the clock starts),
and the part of it spent in the Redis online store's online_write_batch (a timing wrapper around
that method; nothing else changes).
"""

import json
import sys
import time
from datetime import datetime


def write_parquet(rows_path: str, out_path: str) -> None:
    import pandas as pd

    frame = pd.read_json(rows_path, lines=True, dtype={"id": str})
    frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)
    frame.to_parquet(out_path, engine="pyarrow", index=False)
    print(json.dumps({"rows": len(frame)}))


def materialize(repo: str, start: str, end: str) -> None:
    from feast import FeatureStore
    from feast.infra.online_stores.redis import RedisOnlineStore

    write_seconds = 0.0
    write = RedisOnlineStore.online_write_batch

    def timed_write(self, *args, **kwargs):
        nonlocal write_seconds
        started = time.perf_counter()
        try:
            return write(self, *args, **kwargs)
        finally:
            write_seconds += time.perf_counter() - started

    RedisOnlineStore.online_write_batch = timed_write
    store = FeatureStore(repo_path=repo)
    views = [view.name for view in store.list_feature_views()]
    start_date = datetime.fromisoformat(start.replace("Z", "+00:00"))
    end_date = datetime.fromisoformat(end.replace("Z", "+00:00"))
    started = time.perf_counter()
    store.materialize(start_date=start_date, end_date=end_date, feature_views=views)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "write_seconds": write_seconds, "views": views}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "parquet":
        write_parquet(*args)
    elif command == "materialize":
        materialize(*args)
    else:
        sys.exit(f"unknown command {command}: parquet or materialize")

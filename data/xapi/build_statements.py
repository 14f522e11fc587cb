"""Write data/xapi/statements.json and statements.jsonl: synthetic xAPI statements for the sample course.

Run: python data/xapi/build_statements.py. The statements are made up for the sample institution's
first course and students (see data/README.md); the last four are malformed on purpose.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
COURSE, STUDENTS = 1078, [1005, 1006, 1007, 1008, 1009, 1010]
PAGES = ["syllabus", "week-1-reading", "week-2-lab", "essay-guide", "quiz-review"]
DURATIONS = ["PT45S", "PT2M30S", "PT4H35M59.14S", "PT12M", "P1DT2H", "PT0.5S", None, "P4W", "P1M"]


def main() -> None:
    rng = random.Random(2026)
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    statements = []
    for i in range(120):
        student = rng.choice(STUDENTS)
        when = start + timedelta(
            days=rng.randrange(70), hours=rng.choice([9, 10, 14, 15, 20, 21, 22]), minutes=rng.randrange(60)
        )
        page = rng.choice(PAGES)
        s = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {
                "objectType": "Agent",
                "name": f"Student {student}",
                "account": {"homePage": "https://sandbox.canvasframe.test", "name": str(student)},
            },
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {
                "objectType": "Activity",
                "id": f"https://sandbox.canvasframe.test/courses/{COURSE}/pages/{page}",
                "definition": {
                    "name": {"en-US": page.replace("-", " ").title()},
                    "type": "http://activitystrea.ms/schema/1.0/page",
                },
            },
            "timestamp": when.isoformat().replace("+00:00", "Z"),
            "stored": (when + timedelta(seconds=2)).isoformat().replace("+00:00", "Z"),
        }
        duration = DURATIONS[i % len(DURATIONS)]
        if duration:
            s["result"] = {"duration": duration, "completion": i % 3 == 0}
        if i % 10 == 0:
            s["verb"] = {
                "id": "http://adlnet.gov/expapi/verbs/completed",
                "display": {"de-DE": "abgeschlossen", "en-US": "completed"},
            }
            s["result"] = {"duration": "PT20M", "completion": True, "success": True, "score": {"scaled": 0.8}}
        statements.append(s)
    bad = [
        ("PT4X", "2026-09-03T10:00:00Z"),  # not a duration
        ("PT5M", "yesterday"),  # not a timestamp
        ("-PT5M", "2026-09-04T10:00:00Z"),  # negative
        ("PT1H", "2026-09-05T10:00:00+02:00"),  # fine: an offset is honoured
    ]
    for n, (duration, timestamp) in enumerate(bad):
        s = json.loads(json.dumps(statements[n]))
        s["id"] = f"00000000-0000-4000-8000-00000000000{n}"
        s["result"] = {"duration": duration}
        s["timestamp"] = timestamp
        statements.append(s)
    (HERE / "statements.json").write_text(json.dumps({"statements": statements}, indent=1) + "\n")
    (HERE / "statements.jsonl").write_text("".join(json.dumps(s) + "\n" for s in statements))


if __name__ == "__main__":
    main()

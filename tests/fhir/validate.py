#!/usr/bin/env python3
"""Independent validation of linkwork's FHIR export: every file named on the command line must
be a valid FHIR R4 JSON Bundle.

Two layers, neither of which shares code or tables with the Rust exporter:

1. The PyPI package ``fhir.resources`` parses the file with its Bundle model, strictly:
   * fhir.resources 8.x (``requirements.txt``): the R4B models in ``fhir.resources.R4B``
     (R4B is wire-compatible with R4 for every resource we emit), pydantic v2 in strict mode:
     unknown elements, missing required elements, wrong types, primitives that do not match
     the FHIR regexes (id, date, dateTime, instant, code, uri, ...), several values of one
     choice element;
   * fhir.resources 5.1.x (``requirements-r4.txt``): the R4 4.0.1 models at the top level,
     strict: the exact R4 element set (catches elements that exist in R4B only), required
     elements, types. Its date parser only logs bad dates, so warnings count as errors here.
2. Rules of the FHIR R4 specification that those models do not check, transcribed from the
   specification: no empty or null values in JSON; required-binding codes of the elements we
   emit (statuses, intents, ...); fullUrl/id agreement and uniqueness; every ``urn:uuid``
   reference resolves inside the bundle; invariants bdl-7, cpl-3, gol-1, ppc-1, ppc-2, per-1.

Usage::

    validate.py [--self-test] BUNDLE.json [BUNDLE.json ...]

``--self-test`` also breaks a copy of the first bundle in several ways and fails unless every
broken copy is rejected (so a validator that accepts everything cannot pass).

Exit status 0 when every file is valid; 1 with the errors on standard error otherwise;
2 for bad usage or a missing package.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
from datetime import date, datetime, timezone

# ---- layer 1: fhir.resources ---------------------------------------------------------------

try:  # fhir.resources >= 7: R5 at the top level, R4B in a subpackage (pydantic v2)
    from fhir.resources.R4B.bundle import Bundle as _Bundle

    MODEL = "fhir.resources R4B (pydantic, strict)"

    def model_errors(data: dict) -> list[str]:
        try:
            _Bundle.model_validate(data, strict=True)
        except Exception as e:  # pydantic.ValidationError and friends
            return [f"fhir.resources: {e}"]
        return []

except ImportError:
    try:
        import fhir.resources as _fr
        from fhir.resources.bundle import Bundle as _Bundle
    except ImportError:
        print("validate.py: the fhir.resources package is not installed", file=sys.stderr)
        sys.exit(2)
    if not getattr(_fr, "__fhir_version__", "").startswith("4.0"):
        print(
            f"validate.py: fhir.resources {_fr.__version__} has no R4 or R4B models",
            file=sys.stderr,
        )
        sys.exit(2)
    MODEL = f"fhir.resources {_fr.__version__} (FHIR {_fr.__fhir_version__}, strict)"

    class _Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    def model_errors(data: dict) -> list[str]:
        handler = _Collect()
        root = logging.getLogger("fhir")
        root.addHandler(handler)
        try:
            _Bundle(data, strict=True)
        except Exception as e:  # FHIRValidationError
            return [f"fhir.resources: {e}"]
        finally:
            root.removeHandler(handler)
        return [f"fhir.resources: {m}" for m in handler.messages]


# ---- layer 2: rules from the specification ---------------------------------------------------

# Required bindings (FHIR R4 4.0.1) of the elements linkwork emits: (resource, path) -> codes.
REQUIRED_CODES: dict[tuple[str, str], set[str]] = {
    ("Bundle", "type"): {
        "document", "message", "transaction", "transaction-response", "batch",
        "batch-response", "history", "searchset", "collection",
    },
    ("*", "identifier.use"): {"usual", "official", "temp", "secondary", "old"},
    ("Patient", "name.use"): {
        "usual", "official", "temp", "nickname", "anonymous", "old", "maiden",
    },
    ("Patient", "telecom.system"): {"phone", "fax", "email", "pager", "url", "sms", "other"},
    ("Patient", "telecom.use"): {"home", "work", "temp", "old", "mobile"},
    ("Patient", "address.use"): {"home", "work", "temp", "old", "billing"},
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("EpisodeOfCare", "status"): {
        "planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error",
    },
    ("EpisodeOfCare", "statusHistory.status"): {
        "planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error",
    },
    ("ServiceRequest", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("ServiceRequest", "intent"): {
        "proposal", "plan", "directive", "order", "original-order", "reflex-order",
        "filler-order", "instance-order", "option",
    },
    ("ServiceRequest", "priority"): {"routine", "urgent", "asap", "stat"},
    ("CarePlan", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("CarePlan", "activity.detail.status"): {
        "not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled",
        "stopped", "unknown", "entered-in-error",
    },
    ("Goal", "lifecycleStatus"): {
        "proposed", "planned", "accepted", "active", "on-hold", "completed", "cancelled",
        "entered-in-error", "rejected",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress", "completed", "amended", "entered-in-error", "stopped",
    },
    ("Observation", "status"): {
        "registered", "preliminary", "final", "amended", "corrected", "cancelled",
        "entered-in-error", "unknown",
    },
    ("Consent", "status"): {
        "draft", "proposed", "active", "rejected", "inactive", "entered-in-error",
    },
    ("Consent", "provision.type"): {"deny", "permit"},
    ("Encounter", "status"): {
        "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
        "entered-in-error", "unknown",
    },
    ("Flag", "status"): {"active", "inactive", "entered-in-error"},
    ("*", "quantity.comparator"): {"<", "<=", ">=", ">"},
}

# Elements a resource must have (R4 cardinality 1..), checked independently of the models.
REQUIRED_ELEMENTS: dict[str, list[str]] = {
    "EpisodeOfCare": ["status", "patient"],
    "ServiceRequest": ["status", "intent", "subject"],
    "CarePlan": ["status", "intent", "subject"],
    "Goal": ["lifecycleStatus", "description", "subject"],
    "QuestionnaireResponse": ["status"],
    "Observation": ["status", "code"],
    "Consent": ["status", "scope", "category"],
    "Encounter": ["status", "class"],
    "Flag": ["status", "code", "subject"],
}

# Choice elements ([x]): at most one type per element in an object (R4 "choice of types").
CHOICE = re.compile(
    r"^(value|effective|scheduled|occurrence|deceased|multipleBirth|start|due|detail|onset"
    r"|abatement|performed|asNeeded|reported|product|timing|serviced|location|allowed|used)"
    r"(Boolean|Integer|Decimal|String|Quantity|CodeableConcept|DateTime|Date|Period|Range"
    r"|Ratio|SampledData|Time|Timing|Reference|Instant|Uri|Url|Canonical|Code|Coding"
    r"|Attachment|Duration|Age|Money|Id|Oid|Uuid|PositiveInt|UnsignedInt|Markdown"
    r"|Base64Binary|Identifier|HumanName|Address|ContactPoint|Annotation|Dosage|Count"
    r"|Distance)$"
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def values_at(node, path: str):
    """Every value at a dotted path, descending through lists."""
    items = [node]
    for part in path.split("."):
        nxt = []
        for item in items:
            if isinstance(item, list):
                item_list = item
            else:
                item_list = [item]
            for i in item_list:
                if isinstance(i, dict) and part in i:
                    v = i[part]
                    nxt.extend(v if isinstance(v, list) else [v])
        items = nxt
    return items


def walk(node, path: str = ""):
    """Yields (path, value) for every value in the tree."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def instant_of(text: str, end: bool) -> datetime | None:
    """A comparable instant for a FHIR date/dateTime (partial dates at their start or end)."""
    try:
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        parts = [int(p) for p in text.split("-")]
        year, month, day = (parts + [12 if end else 1, 31 if end else 1])[:3]
        if len(parts) == 2 and end:
            day = 28  # good enough for ordering checks
        d = date(year, month, day)
        return datetime(d.year, d.month, d.day, 23 if end else 0, 59 if end else 0,
                        tzinfo=timezone.utc)
    except ValueError:
        return None


def spec_errors(data) -> list[str]:
    errors: list[str] = []
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return ["the top level is not a Bundle"]
    for path, value in walk(data):
        if value is None:
            errors.append(f"{path}: null is not allowed in FHIR JSON")
        elif value == "" or value == [] or value == {}:
            errors.append(f"{path}: empty values are not allowed in FHIR JSON")
        elif isinstance(value, str) and value != value.strip() and not path.endswith("div"):
            errors.append(f"{path}: leading or trailing whitespace")
        if isinstance(value, dict):
            chosen: dict[str, list[str]] = {}
            for key in value:
                m = CHOICE.match(key)
                if m:
                    chosen.setdefault(m.group(1), []).append(key)
            for element, keys in chosen.items():
                if len(keys) > 1:
                    errors.append(f"{path}: {element}[x] has several types: {', '.join(keys)}")
    entries = data.get("entry", [])
    full_urls: dict[str, dict] = {}
    for i, entry in enumerate(entries):
        where = f"entry[{i}]"
        resource = entry.get("resource")
        full_url = entry.get("fullUrl")
        if not isinstance(resource, dict):
            errors.append(f"{where}: no resource")
            continue
        rtype = resource.get("resourceType", "?")
        where = f"entry[{i}] ({rtype})"
        # bdl-7: fullUrl must be unique in a bundle.
        if full_url in full_urls:
            errors.append(f"{where}: duplicate fullUrl {full_url}")
        if not (isinstance(full_url, str) and full_url.startswith("urn:uuid:")
                and UUID.match(full_url[9:])):
            errors.append(f"{where}: fullUrl is not a urn:uuid: {full_url!r}")
        elif resource.get("id") not in (None, full_url[9:]):
            errors.append(f"{where}: id {resource.get('id')!r} does not agree with {full_url}")
        full_urls[full_url] = resource
        for element in REQUIRED_ELEMENTS.get(rtype, []):
            if element not in resource:
                errors.append(f"{where}: required element {element} is missing")
        for (rt, path), allowed in REQUIRED_CODES.items():
            if rt not in (rtype, "*"):
                continue
            for v in values_at(resource, path):
                if v not in allowed:
                    errors.append(f"{where}.{path}: {v!r} is not in the required value set")
        # cpl-3: an activity has a reference or a detail, not both.
        for a in resource.get("activity", []) if rtype == "CarePlan" else []:
            if "reference" in a and "detail" in a:
                errors.append(f"{where}: cpl-3 activity with both reference and detail")
        # gol-1: a target with a detail needs a measure.
        for t in resource.get("target", []) if rtype == "Goal" else []:
            if any(k.startswith("detail") for k in t) and "measure" not in t:
                errors.append(f"{where}: gol-1 target detail without measure")
        if rtype == "Consent":
            # ppc-1: either a policy or a policyRule.
            if "policy" not in resource and "policyRule" not in resource:
                errors.append(f"{where}: ppc-1 neither policy nor policyRule")
            # ppc-2: privacy consent needs a patient.
            scope = values_at(resource, "scope.coding.code")
            if "patient-privacy" in scope and "patient" not in resource:
                errors.append(f"{where}: ppc-2 privacy consent without a patient")
    for path, value in walk(data):
        # Every reference must resolve inside the bundle (we never point outside it).
        if path.endswith(".reference") and isinstance(value, str):
            if value not in full_urls:
                errors.append(f"{path}: reference {value} does not resolve in the bundle")
        # per-1: a period's start is not after its end.
        if isinstance(value, dict) and "start" in value and "end" in value \
                and isinstance(value["start"], str) and isinstance(value["end"], str):
            start, end = instant_of(value["start"], False), instant_of(value["end"], True)
            if start and end and start > end:
                errors.append(f"{path}: per-1 period starts after it ends")
    return errors


def validate(data) -> list[str]:
    return model_errors(data) + spec_errors(data)


# ---- self-test: broken copies must be rejected -----------------------------------------------

def first(data, rtype: str) -> dict:
    for e in data["entry"]:
        if e["resource"]["resourceType"] == rtype:
            return e["resource"]
    raise SystemExit(f"validate.py --self-test: the bundle has no {rtype}")


def mutations(data):
    def drop(rtype, key):
        def f(d):
            first(d, rtype).pop(key)
        return f, f"{rtype} without {key}"

    def put(rtype, key, value, why):
        def f(d):
            first(d, rtype)[key] = value
        return f, why

    yield drop("Goal", "lifecycleStatus")
    yield drop("Goal", "subject")
    yield drop("ServiceRequest", "intent")
    yield put("Patient", "birthDate", "1952-13-10", "a birth date that does not exist")
    yield put("Patient", "bogusElement", "x", "an unknown element")
    yield put("Goal", "lifecycleStatus", "done", "a code outside a required value set")
    yield put("CarePlan", "status", "finished", "a CarePlan status from another resource")
    yield put("Observation", "valueString", "7", "two values of one choice element")
    yield put("Consent", "status", "", "an empty string")
    yield put("Patient", "id", "not an id!", "an id with forbidden characters")

    def dangling(d):
        first(d, "Goal")["subject"] = {"reference": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    yield dangling, "a reference that does not resolve"

    def duplicate(d):
        d["entry"].append(copy.deepcopy(d["entry"][0]))
    yield duplicate, "a duplicate fullUrl"


def self_test(data) -> list[str]:
    failures = []
    if validate(data):
        return ["self-test: the unbroken bundle is not valid"]
    for mutate, why in mutations(data):
        broken = copy.deepcopy(data)
        mutate(broken)
        if not validate(broken):
            failures.append(f"self-test: accepted a bundle with {why}")
    return failures


def main(argv: list[str]) -> int:
    run_self_test = "--self-test" in argv
    files = [a for a in argv if a != "--self-test"]
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for name in files:
        try:
            with open(name, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{name}: cannot read JSON: {e}", file=sys.stderr)
            failed = True
            continue
        errors = validate(data)
        if errors:
            failed = True
            print(f"{name}: INVALID ({MODEL})", file=sys.stderr)
            for e in errors:
                print(f"  {e}", file=sys.stderr)
        else:
            kinds: dict[str, int] = {}
            for e in data.get("entry", []):
                t = e["resource"]["resourceType"]
                kinds[t] = kinds.get(t, 0) + 1
            summary = ", ".join(f"{n} {t}" for t, n in sorted(kinds.items()))
            print(f"{name}: valid FHIR R4 Bundle per {MODEL}: {summary}")
    if run_self_test and not failed:
        with open(files[0], encoding="utf-8") as f:
            data = json.load(f)
        problems = self_test(data)
        if problems:
            failed = True
            for p in problems:
                print(p, file=sys.stderr)
        else:
            n = sum(1 for _ in mutations(data))
            print(f"self-test: all {n} broken copies of {files[0]} were rejected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

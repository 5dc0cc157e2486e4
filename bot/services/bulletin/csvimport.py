"""The anonymised case export (CSV): read, validate row by row, then store all of it or none of it."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.clock import utcnow
from bot.services.bulletin.area import Area
from bot.services.bulletin.week import local_date
from bot.storage.cases import Case, ImportSummary, import_cases
from bot.storage.db import Database

MAX_REPORTED_ERRORS = 50
MAX_CASE_ID_LENGTH = 64
MAX_AGE = 120

# Accepted column names: our own (first) and those a Chinese statistics export typically uses.
COLUMNS: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "id", "案件编号", "编号"),
    "reported_on": ("reported_on", "reported_date", "date", "报案日期", "受理日期", "日期"),
    "district": ("district", "区县", "区县（市）", "区县(市)"),
    "town": ("town", "乡镇街道", "乡镇（街道）", "乡镇(街道)", "街道"),
    "scam_type": ("scam_type", "type", "诈骗类型", "类型"),
    "amount": ("amount", "amount_yuan", "涉案金额", "金额"),
    "victim_gender": ("victim_gender", "gender", "受害人性别", "性别"),
    "victim_age": ("victim_age", "age", "受害人年龄", "年龄"),
}
REQUIRED = ("case_id", "reported_on", "district", "scam_type", "amount")
CSV_HEADER = tuple(COLUMNS)

_FEMALE = {"f", "female", "woman", "w", "女", "女性"}
_MALE = {"m", "male", "man", "男", "男性"}
_UNKNOWN = {"", "-", "unknown", "u", "未知", "不详"}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def describe(self) -> str:
        return f"line {self.line}, field {self.field}: {self.message}"


class CaseFileError(Exception):
    """The export cannot be imported; `errors` name each bad row by line and field."""

    def __init__(self, file_name: str, errors: list[RowError], truncated: bool = False) -> None:
        self.file_name = file_name
        self.errors = errors
        self.truncated = truncated
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{file_name}: {errors[0].describe()}{more}; nothing was imported")

    def describe(self, limit: int = 20) -> str:
        """All errors, one per line, for a staff member to fix the export in one go."""
        lines = [f"{self.file_name}: {len(self.errors)}{'+' if self.truncated else ''} error(s), nothing imported"]
        lines += [e.describe() for e in self.errors[:limit]]
        if len(self.errors) > limit or self.truncated:
            lines.append("…")
        return "\n".join(lines)


def decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else GB18030 as Chinese office software writes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="strict")


@dataclass
class _Collector:
    errors: list[RowError]
    limit: int = MAX_REPORTED_ERRORS
    truncated: bool = False
    count: int = 0

    def add(self, line: int, field: str, message: str) -> None:
        self.count += 1
        if len(self.errors) < self.limit:
            self.errors.append(RowError(line, field, message))
        else:
            self.truncated = True


def parse_cases(
    data: bytes | str,
    area: Area,
    scam_types: Collection[str],
    *,
    file_name: str = "cases.csv",
    today: date | None = None,
) -> list[Case]:
    """Every case of the export, or CaseFileError listing every bad row (up to MAX_REPORTED_ERRORS)."""
    try:
        text = decode(data) if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise CaseFileError(file_name, [RowError(1, "file", "not a text file (neither UTF-8 nor GB18030)")]) from None
    today = today or local_date(utcnow(), area.tz)
    errors = _Collector([])
    reader = csv.reader(io.StringIO(text, newline=""))
    columns: dict[str, int] | None = None
    seen_ids: dict[str, int] = {}
    cases: list[Case] = []
    row_parser = _RowParser(area, {t.strip().lower() for t in scam_types}, today)
    line = 0
    try:
        for row in reader:
            line_start, line = line + 1, reader.line_num
            if not row or all(not cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if columns is None:
                columns = _header(row, line_start, errors)
                if columns is None:
                    break
                continue
            case = row_parser.parse(row, columns, line_start, errors)
            case_id = row[columns["case_id"]].strip() if columns["case_id"] < len(row) else ""
            if case_id in seen_ids:  # checked even when the row has other errors
                errors.add(line_start, "case_id", f"case id {case_id!r} is already on line {seen_ids[case_id]}")
                continue
            if case_id:
                seen_ids[case_id] = line_start
            if case is None:
                continue
            cases.append(case)
    except csv.Error as exc:
        errors.add(reader.line_num, "file", f"broken CSV ({exc})")
    if columns is None and not errors.errors:
        errors.add(1, "file", "the file has no header row and no cases")
    elif columns is not None and not cases and not errors.errors:
        errors.add(line or 1, "file", "the file has a header but no cases")
    if errors.errors:
        raise CaseFileError(file_name, errors.errors, errors.truncated)
    return cases


def _header(row: list[str], line: int, errors: _Collector) -> dict[str, int] | None:
    names = {alias.lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        field = names.get(cell.strip().lower())
        if field is None:
            errors.add(line, "header", f"unknown column {cell.strip()!r} (expected {', '.join(CSV_HEADER)})")
        elif field in columns:
            errors.add(line, "header", f"column {field} appears twice")
        else:
            columns[field] = index
    for field in REQUIRED:
        if field not in columns:
            errors.add(line, "header", f"missing column {field}")
    return columns if not errors.errors else None


class _RowParser:
    def __init__(self, area: Area, scam_types: set[str], today: date) -> None:
        self.area = area
        self.scam_types = scam_types
        self.today = today

    def parse(self, row: list[str], columns: dict[str, int], line: int, errors: _Collector) -> Case | None:
        def cell(field: str) -> str:
            index = columns.get(field)
            return row[index].strip() if index is not None and index < len(row) else ""

        before = errors.count

        def check(field: str, parse: Callable[[str], object]) -> object:
            try:
                return parse(cell(field))
            except ValueError as exc:
                errors.add(line, field, str(exc))
                return None

        if len(row) > len(columns):
            errors.add(line, "row", f"{len(row)} cells but the header has {len(columns)} columns")
        case_id = check("case_id", _case_id)
        reported_on = check("reported_on", self._reported_on)
        district = check("district", self._district)
        town = check("town", lambda value: self._town(value, district)) if district else None
        scam_type = check("scam_type", self._scam_type)
        amount = check("amount", parse_amount)
        gender = check("victim_gender", _gender)
        age = check("victim_age", _age)
        if errors.count > before:
            return None
        return Case(case_id, reported_on, district, town, scam_type, amount, gender, age)  # type: ignore[arg-type]

    def _reported_on(self, value: str) -> date:
        day = parse_report_date(value, self.area)
        if day > self.today:
            raise ValueError(f"{value!r} is in the future")
        return day

    def _district(self, value: str) -> str:
        district = self.area.district(value)
        if district is None:
            known = "、".join(d.short.zh for d in self.area.districts)
            raise ValueError(f"{value!r} is not a district of {self.area.id} (known: {known})")
        return district.id

    def _town(self, value: str, district_id: object) -> str | None:
        if not value:
            return None
        district = self.area.get(str(district_id))
        town = district.town(value)
        if town is None:
            raise ValueError(
                f"{value!r} is not a town of {district.name.zh} in {self.area.file.name}; add it there if it is real"
            )
        return town.zh

    def _scam_type(self, value: str) -> str:
        folded = value.lower()
        if folded not in self.scam_types:
            raise ValueError(f"{value!r} is not a scam type id (known: {', '.join(sorted(self.scam_types))})")
        return folded


def _case_id(value: str) -> str:
    if not value:
        raise ValueError("empty case id")
    if len(value) > MAX_CASE_ID_LENGTH:
        raise ValueError(f"case id longer than {MAX_CASE_ID_LENGTH} characters")
    return value


def parse_report_date(value: str, area: Area) -> date:
    """A date or date-time; one with a UTC offset is moved into the area's time zone, one without is local."""
    if not value:
        raise ValueError("empty date")
    try:
        return local_date(datetime.fromisoformat(value), area.tz)
    except ValueError:
        pass
    match = _DATE.match(value)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (expected e.g. 2026-06-01)")


def parse_amount(value: str) -> float:
    """Yuan: '1,234.5', '¥800', '800元', '1.5万' (15,000)."""
    text = value.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").removesuffix("元").strip()
    factor = 1.0
    if text.endswith("万"):
        text, factor = text[:-1], 10_000.0
    try:
        amount = float(text) * factor
    except ValueError:
        raise ValueError(f"{value!r} is not an amount in yuan" if value else "empty amount") from None
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{value!r} is not an amount in yuan")
    return round(amount, 2)


def _gender(value: str) -> str | None:
    folded = value.lower()
    if folded in _UNKNOWN:
        return None
    if folded in _FEMALE:
        return "F"
    if folded in _MALE:
        return "M"
    raise ValueError(f"{value!r} is not a gender (F, M, 女, 男 or empty)")


def _age(value: str) -> int | None:
    text = value.removesuffix("岁").strip()
    if text.lower() in _UNKNOWN:
        return None
    try:
        age = int(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an age in years") from None
    if not 0 <= age <= MAX_AGE:
        raise ValueError(f"{value!r} is not an age between 0 and {MAX_AGE}")
    return age


async def import_case_file(
    db: Database,
    data: bytes,
    area: Area,
    scam_types: Collection[str],
    *,
    file_name: str,
    imported_by: int | None = None,
    today: date | None = None,
) -> ImportSummary:
    """Validate the whole export, then store it in one transaction (all rows or none)."""
    cases = parse_cases(data, area, scam_types, file_name=file_name, today=today)
    return await import_cases(db, cases, area=area.id, file_name=file_name, imported_by=imported_by)


def read_case_file(path: Path, area: Area, scam_types: Collection[str], today: date | None = None) -> list[Case]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseFileError(path.name, [RowError(1, "file", f"cannot read file ({exc.strerror})")]) from exc
    return parse_cases(data, area, scam_types, file_name=path.name, today=today)

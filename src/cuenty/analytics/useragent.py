"""Device class, browser and operating system from a User-Agent string, with `ua_parser`.

ua_parser names the browser, the OS and the device model; the device class (mobile, tablet,
desktop, bot) is derived here from those names and from the tokens browsers use to announce
a phone ("Mobile") or a tablet.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from ua_parser import parse

MAX_USER_AGENT_LENGTH = 512
TABLET_DEVICES = ("ipad", "tablet", "kindle", "playbook", "nexus 7", "nexus 9", "nexus 10")
TABLET_BRANDS = ("generic_android_tablet",)
MOBILE_OS = ("ios", "android", "windows phone", "blackberry os", "kaios", "harmonyos")
DESKTOP_OS = ("windows", "mac os x", "linux", "ubuntu", "chrome os", "fedora", "debian", "freebsd")
BOT_WORDS = ("bot", "crawler", "spider", "slurp", "headless", "lighthouse")


class Device(StrEnum):
    MOBILE = "mobile"
    TABLET = "tablet"
    DESKTOP = "desktop"
    BOT = "bot"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ParsedAgent:
    device: Device
    browser: str | None
    os: str | None


UNKNOWN_AGENT = ParsedAgent(Device.UNKNOWN, None, None)


def parse_user_agent(user_agent: str | None) -> ParsedAgent:
    """Classify a User-Agent; an empty or missing one is `unknown`."""
    if not user_agent or not user_agent.strip():
        return UNKNOWN_AGENT
    return _parse(user_agent.strip()[:MAX_USER_AGENT_LENGTH])


@lru_cache(maxsize=4096)
def _parse(user_agent: str) -> ParsedAgent:
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else None
    os_name = result.os.family if result.os else None
    device_family = (result.device.family if result.device else "") or ""
    device_brand = (result.device.brand if result.device else "") or ""
    device = _device_class(user_agent, browser, os_name, device_family, device_brand)
    return ParsedAgent(device, _short(browser), _short(os_name))


def _device_class(
    user_agent: str, browser: str | None, os_name: str | None, family: str, brand: str
) -> Device:
    lowered = user_agent.lower()
    if family == "Spider" or any(word in lowered for word in BOT_WORDS):
        return Device.BOT
    if any(name in family.lower() for name in TABLET_DEVICES) or brand.lower() in TABLET_BRANDS:
        return Device.TABLET
    os_lower = (os_name or "").lower()
    if os_lower == "android" and "mobile" not in lowered:
        # Android tablets leave "Mobile" out of the User-Agent; phones include it.
        return Device.TABLET
    if os_lower in MOBILE_OS or "mobi" in lowered:
        return Device.MOBILE
    if os_lower in DESKTOP_OS:
        return Device.DESKTOP
    return Device.UNKNOWN


def _short(name: str | None) -> str | None:
    """Fit a name into the 40-character column; ua_parser calls what it cannot name "Other"."""
    if not name or name == "Other":
        return None
    return name[:40]

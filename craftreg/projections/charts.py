"""SVG charts (图表) a page can embed as they are: progress to the targets, and a distribution.

Hand-written SVG: a few rectangles and labels need no plotting library, and the output is the
same bytes for the same figures, so a report that embeds a chart hashes the same every time.
"""

from __future__ import annotations

from html import escape

from craftreg.projections.statistics import TIER_NAMES, Distribution, TargetProgress

WIDTH = 720
LABEL = 150  # room for the labels on the left
BAR = 18
GAP = 8
TIER_COLOURS = {"national": "#b22222", "provincial": "#d2691e", "municipal": "#daa520"}
_FONT = 'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"'


def _svg(title: str, height: int, body: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" role="img" {_FONT} font-size="12">',
            f"<title>{escape(title)}</title>",
            f'<text x="0" y="16" font-size="15" font-weight="bold">{escape(title)}</text>',
            *body,
            "</svg>",
        ]
    )


def target_chart(targets: list[TargetProgress], title: str = "2035 目标进度 (Art. 2)") -> str:
    """One bar per tier: holders against the 2035 target; the bar's full length is the target."""
    span = WIDTH - LABEL - 130
    body = []
    for i, t in enumerate(targets):
        y = 32 + i * (BAR + GAP)
        filled = 0 if t.target == 0 else min(span, span * t.holders // t.target)
        colour = TIER_COLOURS.get(t.tier, "#888")
        body += [
            f'<text x="0" y="{y + 13}">{escape(t.name)}</text>',
            f'<rect x="{LABEL}" y="{y}" width="{span}" height="{BAR}" fill="#eee"/>',
            f'<rect x="{LABEL}" y="{y}" width="{filled}" height="{BAR}" fill="{colour}"/>',
            f'<text x="{LABEL + span + 6}" y="{y + 13}">'
            f"{t.holders:,} / {t.target:,} ({escape(t.progress)})</text>",
        ]
    return _svg(title, 40 + len(targets) * (BAR + GAP), body)


def distribution_chart(rows: list[Distribution], title: str) -> str:
    """A stacked bar per region (or field): national, provincial and municipal holders."""
    top = max((r.total for r in rows), default=0)
    span = WIDTH - LABEL - 60
    body = [_legend()]
    for i, r in enumerate(rows):
        y = 52 + i * (BAR + GAP // 2)
        x = LABEL
        body.append(f'<text x="0" y="{y + 13}">{escape(r.name)}</text>')
        for tier, count in (
            ("national", r.national),
            ("provincial", r.provincial),
            ("municipal", r.municipal),
        ):
            width = 0 if top == 0 else span * count // top
            if width:
                body.append(
                    f'<rect x="{x}" y="{y}" width="{width}" height="{BAR}" '
                    f'fill="{TIER_COLOURS[tier]}"><title>{TIER_NAMES[tier]} {count}</title></rect>'
                )
            x += width
        body.append(f'<text x="{x + 6}" y="{y + 13}">{r.total:,}</text>')
    return _svg(title, 60 + len(rows) * (BAR + GAP // 2), body)


def _legend() -> str:
    items = []
    for i, (tier, name) in enumerate(TIER_NAMES.items()):
        x = LABEL + i * 110
        items.append(
            f'<rect x="{x}" y="26" width="12" height="12" fill="{TIER_COLOURS[tier]}"/>'
            f'<text x="{x + 16}" y="37">{name}</text>'
        )
    return "".join(items)

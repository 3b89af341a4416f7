"""How long `napkin report` takes per design: gathering (plan, 60 s slice simulation, search,
levers) and rendering HTML and Markdown. Prints one line per design."""

from __future__ import annotations

import time

from napkin.report.contents import gather
from napkin.report.html import render_html
from napkin.report.markdown import render_markdown
from napkin.specs.loader import builtin_designs


def main() -> None:
    for design in builtin_designs():
        started = time.perf_counter()
        contents = gather(design)
        gathered = time.perf_counter()
        page = render_html(contents)
        text = render_markdown(contents)
        rendered = time.perf_counter()
        print(
            f"{design:18s} gather {gathered - started:5.2f} s  render {rendered - gathered:5.2f} s"
            f"  html {len(page) / 1024:6.0f} KiB  markdown {len(text) / 1024:4.0f} KiB"
        )


if __name__ == "__main__":
    main()

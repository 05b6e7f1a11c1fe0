"""The subject access export as a readable PDF: the same content as the HTML export (third
parties already redacted by the service), laid out by fpdf2 in an embedded Unicode font.

Text from a person is written as text, never read as markup (fpdf2's markdown is off), and
the PDF carries no names in its metadata."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from safeshare.entrypoints.web.templating import when
from safeshare.services.subject_access import SubjectAccessExport

FONT_CANDIDATES = (
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ),
)
"""Debian's fonts-dejavu-core (or fonts-liberation, which Chromium brings)."""

INTRO = (
    "This is the information the school holds about the child in its safeguarding record "
    '(UK GDPR Article 15). The names and details of other people are shown as "[redacted: '
    'third party]".'
)


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.has_unicode = False
        for regular, bold in FONT_CANDIDATES:
            if regular.is_file() and bold.is_file():
                self.add_font("body", "", str(regular))
                self.add_font("body", "B", str(bold))
                self.has_unicode = True
                break
        self.body_font = "body" if self.has_unicode else "helvetica"

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.body_font, "", 8)
        self.cell(0, 6, f"Subject access export, page {self.page_no()} of {{nb}}", align="C")

    def clean(self, text: str) -> str:
        """The core font covers Latin-1 only: anything else is shown as '?' (never dropped
        silently: the HTML export holds it exactly)."""
        if self.has_unicode:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def heading(self, text: str, size: int) -> None:
        self.ln(2)
        self.set_font(self.body_font, "B", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, label: str | None = None) -> None:
        self.set_font(self.body_font, "", 10)
        if label:
            self.set_font(self.body_font, "B", 10)
            self.multi_cell(0, 5, self.clean(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font(self.body_font, "", 10)
        self.multi_cell(0, 5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def rows(
        self, header: tuple[str, ...], body: list[tuple[str, ...]], widths: tuple[int, ...]
    ) -> None:
        self.set_font(self.body_font, "", 9)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4.6) as table:
            top = table.row()
            for h in header:
                top.cell(h)
            for values in body:
                row = table.row()
                for v in values:
                    row.cell(self.clean(v))
        self.ln(2)


def subject_access_pdf(x: SubjectAccessExport) -> bytes:
    """The export, page-numbered, A4."""
    pdf = _Document()
    pdf.set_title("Subject access export")
    pdf.set_lang("en-GB")
    pdf.set_creator("safeshare")
    pdf.add_page()
    pdf.heading(f"The safeguarding record of {x.child_name}", 18)
    pdf.para(
        f"Date of birth: {x.child_dob}. Requested by: {x.requester}. "
        f"Prepared {when(x.generated_at)}."
    )
    pdf.para(INTRO)

    pdf.heading("Concerns", 14)
    if not x.concerns:
        pdf.para("No concern is disclosed.")
    for c in x.concerns:
        pdf.heading(f"{c.category}: {c.raised_on} (reference {c.concern_id})", 12)
        pdf.para(c.facts, "What was seen or heard:")
        if c.opinion:
            pdf.para(c.opinion, "What staff thought:")
        if c.child_words:
            pdf.para(c.child_words, "In the child's own words:")
        for d in c.decisions:
            pdf.para(d, "Decision:")
        if c.shared:
            pdf.para("", "Shared with:")
            pdf.rows(
                ("Organisation", "Status", "What was shared"),
                [(s.agency, s.status, ", ".join(s.fields)) for s in c.shared],
                (50, 30, 90),
            )
        else:
            pdf.para("Not shared with anyone outside the school.")

    if x.withheld:
        pdf.heading("Information withheld", 14)
        for ref, why in x.withheld:
            pdf.para(f"Reference {ref}: {why}")

    if x.people:
        pdf.heading("People around the child", 14)
        pdf.para(f"{', '.join(x.people)} (names redacted).")

    pdf.heading("Chronology", 14)
    pdf.rows(
        ("When", "What happened"), [(when(at), entry) for at, entry in x.chronology], (45, 125)
    )
    return bytes(pdf.output())

"""The planning report (汇报材料): composed once as blocks (:mod:`.compose`,
:mod:`.blocks`), with static maps (:mod:`.figures`) and a CJK font (:mod:`.fonts`),
rendered to Word (:mod:`.docx`) and PDF (:mod:`.pdf`)."""

from planning.outputs.report.compose import build_report, report_bytes, report_filename

__all__ = ["build_report", "report_bytes", "report_filename"]

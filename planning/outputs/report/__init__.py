"""The planning report (汇报材料): composed once as blocks (:mod:`.compose`,
:mod:`.blocks`), with static maps (:mod:`.figures`) and a CJK font (:mod:`.fonts`),
rendered to Word (:mod:`.docx`) and PDF (:mod:`.pdf`) by :mod:`.build`; what it covers
is :mod:`.selection`."""

from planning.outputs.report.build import build_report, report_bytes, report_filename

__all__ = ["build_report", "report_bytes", "report_filename"]

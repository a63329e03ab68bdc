"""Outputs: GIS and spreadsheet exports, folium maps (with offline assets) and the
planning report (Word, PDF)."""

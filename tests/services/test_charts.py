"""Server-rendered SVG charts: accessible, CSP-safe (no style attributes or scripts), escaped."""
import re

from beschikbaarheid import charts


def chart(**kw):
    args = dict(
        chart_id="t",
        title="Aandeel",
        description="Cijfers in de tabel",
        labels=["jan 26", "feb 26", "maa 26"],
        series=[charts.Series("Aandeel actueel", [80.0, None, 92.5])],
        y_max=100,
        reference=(90, "Doel 90%"),
    )
    args.update(kw)
    return str(charts.line_chart(**args))


def test_chart_is_an_accessible_image_with_title_and_description():
    svg = chart()
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="t-title t-desc"' in svg
    assert '<title id="t-title">Aandeel</title>' in svg and '<desc id="t-desc">Cijfers in de tabel</desc>' in svg


def test_chart_is_allowed_by_the_content_security_policy():
    svg = chart()
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg and "on" + "load" not in svg


def test_values_are_drawn_and_a_missing_month_is_a_gap():
    svg = chart()
    assert svg.count("<circle") == 2  # None draws no point
    assert "<polyline" not in svg  # two points separated by a gap: no line through the missing month
    svg = chart(series=[charts.Series("x", [10.0, 20.0, 30.0])])
    assert svg.count("<polyline") == 1


def test_reference_line_is_labelled():
    svg = chart()
    assert "Doel 90%" in svg and 'stroke-dasharray="6 4"' in svg


def test_text_is_escaped():
    svg = chart(title="<b>&</b>", labels=["<x>", "b", "c"])
    assert "<b>" not in svg and "&lt;b&gt;&amp;&lt;/b&gt;" in svg and "&lt;x&gt;" in svg


def test_points_scale_to_the_axis():
    svg = chart(series=[charts.Series("x", [0.0, 50.0, 100.0])])
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys[0] > ys[1] > ys[2]  # higher values higher up
    assert abs((ys[0] - ys[1]) - (ys[1] - ys[2])) < 0.2  # linear


def test_share_meter_marks_the_target():
    svg = str(charts.share_meter(chart_id="m", share=0.95, target=0.9, label="95%"))
    assert 'role="img"' in svg and "style=" not in svg and "#1e6b30" in svg
    assert "#a4161a" in str(charts.share_meter(chart_id="m", share=0.5, target=0.9, label="50%"))

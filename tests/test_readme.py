"""The README's tour runs as written, and its quick start matches .ci/run."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_readme_tour_runs():
    text = (ROOT / "README.md").read_text()
    tour = re.findall(r"```python\n(.*?)```", text, re.S)[0]
    exec(compile(tour, "README.md", "exec"), {})


def test_ci_runs_the_readme_test_command():
    text = (ROOT / "README.md").read_text()
    quick_start = re.findall(r"```bash\n(.*?)```", text, re.S)[0].strip().splitlines()
    assert len(quick_start) == 2
    assert quick_start[1] in (ROOT / ".ci" / "run").read_text()

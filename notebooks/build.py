"""Build the example notebooks from the cells below and execute them, saving their outputs.

Run ``python notebooks/build.py`` (all) or ``python notebooks/build.py 02`` (one) after
changing a notebook or anything its outputs show; nbval then checks the saved outputs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

SETUP = [
    (
        "md",
        "## Connect\n\nSet `COURSE_ID` / `ACCOUNT_ID` here, or the environment variables "
        "`CANVAS_BASE_URL`, `CANVAS_API_TOKEN`, `CANVAS_COURSE_ID` and `CANVAS_ACCOUNT_ID`, to use your "
        "own Canvas. With nothing set, the notebook uses canvasframe's bundled sample institution "
        "(synthetic data) and says so.",
    ),
    (
        "code",
        "COURSE_ID = None   # your course id, or set CANVAS_COURSE_ID\n"
        "ACCOUNT_ID = None  # your account id, or set CANVAS_ACCOUNT_ID",
        ["parameters"],
    ),
    (
        "code",
        "import matplotlib.pyplot as plt\nimport pandas as pd\n\nimport canvasframe as cf\n\n"
        "canvas, COURSE_ID, ACCOUNT_ID = cf.connect_or_sample(COURSE_ID, ACCOUNT_ID)",
    ),
]

NOTEBOOKS: dict[str, list] = {
    "01-quickstart": [
        (
            "md",
            "# Quickstart: Canvas analytics as DataFrames\n\nThis notebook connects to Canvas, loads each "
            "kind of frame canvasframe offers, and shows what the cache does. Every step is one function "
            "call that returns an ordinary pandas DataFrame.",
        ),
        *SETUP,
        (
            "md",
            "## One row per student\n\n`load_student_summaries` gives each student's page views, "
            "participations and how many assignments were on time, late or missing.",
        ),
        ("code", "summaries = cf.load_student_summaries(COURSE_ID)\nsummaries.head()"),
        (
            "md",
            "Every frame has documented column types (see `docs/frames.md`). Ids are integers, counts are "
            "integers, and levels may be missing, so they use pandas' nullable `Int64`:",
        ),
        ("code", "summaries.dtypes"),
        (
            "md",
            "## Assignments\n\nOne row per assignment: due date (in UTC), the score quartiles Canvas "
            "computes, and the share of students on time, late or missing.",
        ),
        (
            "code",
            "assignments = cf.load_course_assignments(COURSE_ID)\n"
            "assignments[['title', 'due_at', 'points_possible', 'median', 'on_time', 'late', 'missing']]",
        ),
        (
            "md",
            "## Activity over time\n\nDaily page views and participations for the whole course, and hourly "
            "page views for every student. The per-student call is made once per student, several at a "
            "time; a progress bar appears for large courses.",
        ),
        ("code", "activity = cf.load_course_activity(COURSE_ID)\nactivity.tail(3)"),
        (
            "code",
            "page_views = cf.load_page_views(COURSE_ID)\n"
            "print(len(page_views), 'hourly rows for', page_views.student_id.nunique(), 'students')\n"
            "page_views.head(3)",
        ),
        ("md", "Participations, each student's assignment results, and messages work the same way:"),
        (
            "code",
            "participations = cf.load_participations(COURSE_ID)\n"
            "student_assignments = cf.load_student_assignments(COURSE_ID)\n"
            "messages = cf.load_communication(COURSE_ID)\n"
            "{'participations': len(participations), 'student_assignments': len(student_assignments), "
            "'message days': len(messages)}",
        ),
        (
            "md",
            "## Departments\n\nAccount-level frames summarise every course of a term: `term` is "
            '`"current"`, `"completed"` or a term id.',
        ),
        ("code", "cf.load_department_statistics(ACCOUNT_ID, term='current')"),
        ("code", "cf.load_subaccount_statistics(ACCOUNT_ID)[['name', 'courses', 'teachers', 'students']]"),
        (
            "md",
            "## The cache\n\nEvery frame is saved as an Arrow file. Loading it again reads the file instead "
            "of asking Canvas, which is why re-running a notebook is fast and works offline. "
            "`refresh=True` asks Canvas again.",
        ),
        (
            "code",
            "fresh = cf.load_course_activity(COURSE_ID, refresh=True)\n"
            "again = cf.load_course_activity(COURSE_ID)\n"
            "fresh.attrs['canvasframe']['from_cache'], again.attrs['canvasframe']['from_cache']",
        ),
        (
            "code",
            "pd.testing.assert_frame_equal(fresh, again)  # identical, dtypes included\n"
            "cf.cache.info()[['frame', 'rows']].sort_values('frame').reset_index(drop=True)",
        ),
        ("md", "Offline, canvasframe reads only the cache and says exactly what is missing:"),
        (
            "code",
            "offline = cf.Canvas(\n    canvas.root_url, 'no-token-needed', offline=True, "
            "cache_namespace=canvas.cache_namespace\n)\n"
            "cf.load_course_activity(COURSE_ID, canvas=offline).shape",
        ),
    ],
    "02-course-overview": [
        (
            "md",
            "# Course overview\n\nHow active is the course, how are scores spread on each assignment, and "
            "who hands work in on time? Three questions, three figures.",
        ),
        *SETUP,
        (
            "md",
            "## Activity over the term\n\nDaily page views and participations, with a 7-day mean to smooth "
            "the weekly rhythm, and the due dates as dotted lines.",
        ),
        (
            "code",
            "activity = cf.load_course_activity(COURSE_ID)\nassignments = cf.load_course_assignments(COURSE_ID)\n"
            "fig, ax = plt.subplots(figsize=(9, 3.5), layout='constrained')\n"
            "cf.plots.plot_course_activity(activity, rolling=7, due_dates=assignments, ax=ax)",
        ),
        ("md", "The busiest weekdays, from the same frame:"),
        ("code", "activity.groupby(activity.date.dt.day_name())['views'].mean().round(1).sort_values(ascending=False)"),
        (
            "md",
            "## Score spread per assignment\n\nEach box spans the middle half of the scores (first to third "
            "quartile), the line is the median and the whiskers reach the lowest and highest score. Scores "
            "are shown as a percentage of points possible so assignments compare. Ungraded work has no box.",
        ),
        (
            "code",
            "fig, ax = plt.subplots(figsize=(9, 4), layout='constrained')\n"
            "cf.plots.plot_assignment_quartiles(assignments, normalize=True, ax=ax)",
        ),
        (
            "md",
            "## Timeliness\n\nThe share of students who submitted on time, late, or not at all, per "
            "assignment in due-date order:",
        ),
        (
            "code",
            "fig, ax = plt.subplots(figsize=(9, 4), layout='constrained')\ncf.plots.plot_tardiness(assignments, ax=ax)",
        ),
        ("md", "The assignments most often missed:"),
        ("code", "assignments.nlargest(3, 'missing')[['title', 'due_at', 'missing', 'late', 'on_time']]"),
    ],
    "03-students-at-risk": [
        (
            "md",
            "# Students at risk of disengaging\n\nThis notebook flags students by a simple rule that anyone "
            "can check by hand. It is a prompt for a conversation, not a verdict: the data only sees what "
            "happens inside Canvas.",
        ),
        *SETUP,
        (
            "md",
            "## The rule\n\nA student is flagged when **two or more** of these hold:\n\n"
            "1. **Missing work**: 2 or more assignments missing.\n"
            "2. **Fading activity**: page views in the last 3 weeks are less than half of their weekly "
            "average before that.\n"
            "3. **Low participation**: Canvas's participation level is 0 or 1 (of 3).",
        ),
        (
            "code",
            "summaries = cf.load_student_summaries(COURSE_ID)\npage_views = cf.load_page_views(COURSE_ID)\n"
            "last_day = page_views.hour.max().normalize()\n"
            "recent_start = last_day - pd.Timedelta(weeks=3)\n"
            "weeks_before = (recent_start - page_views.hour.min()).days / 7\n"
            "recent = page_views[page_views.hour >= recent_start].groupby('student_id').views.sum() / 3\n"
            "before = page_views[page_views.hour < recent_start].groupby('student_id').views.sum() / weeks_before\n"
            "trend = pd.DataFrame({'weekly_before': before, 'weekly_recent': recent}).fillna(0).round(1)\n"
            "trend.head()",
        ),
        ("md", "Now the three signals, one column each, so every flag can be traced back to its reason:"),
        (
            "code",
            "signals = summaries.set_index('student_id').join(trend)\n"
            "signals['missing_work'] = signals.missing >= 2\n"
            "signals['fading_activity'] = signals.weekly_recent < 0.5 * signals.weekly_before\n"
            "signals['low_participation'] = signals.participations_level.fillna(0) <= 1\n"
            "rules = ['missing_work', 'fading_activity', 'low_participation']\n"
            "signals['signals'] = signals[rules].sum(axis=1)\n"
            "flagged = signals[signals.signals >= 2].sort_values(['signals', 'missing'], ascending=False)\n"
            "print(f'{len(flagged)} of {len(signals)} students flagged')\n"
            "flagged[['missing', 'weekly_before', 'weekly_recent', 'participations_level', *rules]]",
        ),
        (
            "md",
            "## Where they sit\n\nPage views against participations, coloured by each student's usual "
            "timeliness; flagged students are circled.",
        ),
        (
            "code",
            "fig, ax = plt.subplots(figsize=(6, 4.5), layout='constrained')\n"
            "cf.plots.plot_engagement(summaries, ax=ax)\n"
            "marked = summaries[summaries.student_id.isin(flagged.index)]\n"
            "ax.scatter(marked.page_views, marked.participations, s=160, facecolors='none', "
            "edgecolors='black', label='flagged')\n_ = ax.legend(loc='upper left', fontsize='small')",
        ),
        ("md", "And the rhythm of the flagged students' page views, in the course's time zone:"),
        (
            "code",
            "fig, ax = plt.subplots(figsize=(8, 3.5), layout='constrained')\n"
            "cf.plots.plot_page_view_heatmap(page_views, tz='America/Chicago', "
            "student_id=list(flagged.index), ax=ax)",
        ),
    ],
    "04-departments-and-terms": [
        (
            "md",
            "# Departments and terms\n\nAccount-level analytics summarise every course of a term. Here we "
            "compare the current term's courses with the concluded ones, and the departments with each "
            "other.",
        ),
        *SETUP,
        (
            "md",
            '## Two terms side by side\n\n`"current"` means the courses still running in the default '
            'term, `"completed"` the concluded ones. Load both and put them in one frame; the `term` '
            "column tells them apart.",
        ),
        (
            "code",
            "terms = ['current', 'completed']\n"
            "stats = pd.concat([cf.load_department_statistics(ACCOUNT_ID, t) for t in terms])\n"
            "stats[['term', 'courses', 'teachers', 'students', 'assignments']]",
        ),
        ("md", "## Grades\n\nThe distribution of students' current scores, in 5-point bins:"),
        (
            "code",
            "grades = pd.concat([cf.load_department_grades(ACCOUNT_ID, t) for t in terms])\n"
            "fig, ax = plt.subplots(figsize=(8, 3.5), layout='constrained')\n"
            "cf.plots.plot_grade_distribution(grades, bin_width=5, ax=ax)",
        ),
        (
            "code",
            "def median_score(g):\n    expanded = g.loc[g.index.repeat(g.students), 'score']\n"
            "    return expanded.median()\n\n"
            "grades.groupby('term').apply(median_score, include_groups=False).rename('median score')",
        ),
        ("md", "## Where students spend their time\n\nPage views by category of Canvas page:"),
        (
            "code",
            "categories = pd.concat([cf.load_department_categories(ACCOUNT_ID, t) for t in terms])\n"
            "fig, ax = plt.subplots(figsize=(7, 5), layout='constrained')\n"
            "cf.plots.plot_category_views(categories, ax=ax)",
        ),
        (
            "md",
            "## Departments\n\nThe account itself comes first, then each direct subaccount. "
            "(Canvas reports only courses, teachers and students per subaccount.)",
        ),
        (
            "code",
            "subaccounts = pd.concat([cf.load_subaccount_statistics(ACCOUNT_ID, t) for t in terms])\n"
            "fig, ax = plt.subplots(figsize=(7, 3), layout='constrained')\n"
            "cf.plots.plot_subaccounts(subaccounts, metric='students', ax=ax)",
        ),
        ("code", "subaccounts.pivot_table(index='name', columns='term', values='courses', aggfunc='sum')"),
    ],
    "05-xapi-activity": [
        (
            "md",
            "# Activity from xAPI statements\n\nTools outside Canvas (simulations, e-book readers, video players) "
            "report what learners do as xAPI statements. canvasframe reads them into the same tidy frames and "
            "plots as Canvas's own analytics, and can report activity back to Canvas.",
        ),
        *SETUP,
        (
            "md",
            "## Read statements\n\nFrom a file here (`data/xapi/statements.json`, synthetic statements for "
            "the sample course). From an LRS it is `cf.xapi.read_statements(cf.xapi.LRS(url, auth=(key, "
            "secret)), since=...)`. The file has three malformed statements on purpose: they become NaT, "
            "and one warning counts them.",
        ),
        (
            "code",
            "import warnings\n\nwarnings.simplefilter('always', cf.CanvasframeWarning)\n"
            "statements = cf.xapi.read_statements('../data/xapi/statements.json')\n"
            "statements[['timestamp', 'actor_account_name', 'verb', 'object_name', 'result_duration', "
            "'canvas_duration']].head()",
        ),
        (
            "md",
            "`result_duration` is the duration the tool reported. `canvas_duration` is what Canvas would "
            "record as a page view: 5 seconds when none is given, and never more than 5 minutes.",
        ),
        ("code", "statements.groupby('verb')['result_duration'].describe()[['count', 'mean', 'max']]"),
        (
            "md",
            "## Three lines to a heatmap\n\n`to_page_views` counts statements per student and hour in the same "
            "layout as `load_page_views`, so every page-view plot works on xAPI data.",
        ),
        (
            "code",
            "page_views = cf.xapi.to_page_views(statements)\n"
            "fig, ax = plt.subplots(figsize=(8, 3.5), layout='constrained')\n"
            "cf.plots.plot_page_view_heatmap(page_views, tz='America/Chicago', ax=ax)",
        ),
        (
            "md",
            "## Reporting activity to Canvas\n\nA tool launched from Canvas receives a callback URL "
            "(`$Canvas.xapi.url`). Statements posted there, signed with the tool's LTI key and secret, count "
            "as page views. Here we send one to the sample Canvas, for the first student of the course:",
        ),
        (
            "code",
            "from canvasframe._sample import sample_server\n\nserver = sample_server()\n"
            "student = int(cf.load_student_summaries(COURSE_ID).student_id.min())\n"
            "callback_url = server.xapi_callback_url(COURSE_ID, student)  # what Canvas hands the tool\n"
            "when = pd.Timestamp('2026-10-14T03:20:00Z')\n"
            "before = cf.load_page_views(COURSE_ID, student).query('hour == @when.floor(\"h\")').views.sum()\n"
            "page = f'https://sandbox.canvasframe.test/courses/{COURSE_ID}/pages/intro'\n"
            "stmt = cf.xapi.statement(f'student{student}@example.edu', 'experienced', page, "
            "duration='PT3M', timestamp=when)\n"
            "cf.xapi.send_to_canvas(callback_url, stmt, server.xapi.consumer_key, server.xapi.shared_secret)\n"
            "after = cf.load_page_views(COURSE_ID, student, refresh=True)\n"
            "after = after.query('hour == @when.floor(\"h\")').views.sum()\n"
            "int(before), int(after)",
        ),
    ],
    "07-institution": [
        (
            "md",
            "# A whole institution\n\nStudies of a term look at every course, not one. Here we list an "
            "account's courses, export one frame for all of them to a Parquet dataset on disk, query it with "
            "DuckDB and compare the courses.",
        ),
        *SETUP,
        (
            "md",
            "## The courses\n\n`load_courses` lists an account's courses, including its subaccounts'. "
            "We keep those with students: Canvas has no analytics for the others.",
        ),
        (
            "code",
            "courses = cf.load_courses(ACCOUNT_ID)\n"
            "with_students = courses[courses.total_students.fillna(0) > 0]\n"
            "with_students[['course_id', 'course_code', 'term_id', 'workflow_state', 'total_students']]",
        ),
        (
            "md",
            "## Export\n\n`export_dataset` pulls a loader over every course and writes each course as its own "
            "Parquet partition as soon as it arrives, so memory holds one course at a time. A manifest records "
            "what was pulled. If the export is interrupted, running it again skips the finished courses. "
            "`pseudonymize=key` replaces student ids with keyed pseudonyms before anything is written.",
        ),
        (
            "code",
            "import secrets\nimport tempfile\n\n"
            "export = tempfile.mkdtemp(prefix='canvasframe-export-')\n"
            "key = secrets.token_hex(32)  # keep the key apart from the data you share\n"
            "report = cf.export_dataset(cf.load_page_views, with_students.course_id, export, pseudonymize=key)\n"
            "report",
        ),
        ("md", "Run it again and every course is skipped:"),
        (
            "code",
            "cf.export_dataset(cf.load_page_views, with_students.course_id, export, pseudonymize=key)"
            ".status.value_counts()",
        ),
        (
            "md",
            "## Query with DuckDB\n\nThe export is plain Parquet with `course_id=` partitions: DuckDB, "
            "`pyarrow.dataset`, Dask and Spark read it directly. `cf.duckdb(exports=...)` opens a connection "
            "with it (and every frame in canvasframe's cache) registered as views.",
        ),
        (
            "code",
            "con = cf.duckdb(exports=export)\n"
            "per_student = con.sql(\n"
            "    \"select course_id, student_id, sum(views) as views, \"\n"
            "    \"count(distinct date_trunc('week', hour)) as active_weeks \"\n"
            "    \"from export_page_views group by course_id, student_id\"\n"
            ").df()\n"
            "summary = per_student.groupby('course_id').agg(\n"
            "    students=('student_id', 'count'),\n"
            "    median_views=('views', 'median'),\n"
            "    median_active_weeks=('active_weeks', 'median'),\n"
            ")\n"
            "summary",
        ),
        (
            "md",
            "## Compare the courses\n\nThe spread of page views per student in each course: a wide box "
            "means very uneven engagement.",
        ),
        (
            "code",
            "fig, ax = plt.subplots(figsize=(8, 3.5), layout='constrained')\n"
            "order = summary.sort_values('median_views').index\n"
            "ax.boxplot(\n"
            "    [per_student.loc[per_student.course_id == c, 'views'] for c in order],\n"
            "    tick_labels=[str(c) for c in order],\n"
            "    showfliers=False,\n"
            ")\n"
            "ax.set(xlabel='course id', ylabel='page views per student', title='Engagement across courses')",
        ),
    ],
    "08-lti-tools": [
        (
            "md",
            "# Which tools does the institution run?\n\nCanvas's LTI API lists an account's external tools, "
            "where each appears (placements) and which live-event streams leave Canvas. Instructional "
            "designers use it to see what data flows where.",
        ),
        *SETUP,
        (
            "md",
            "## Tools and their placements\n\nOne row per tool and placement. A tool with no placement "
            "(a background service) gets one row with none.",
        ),
        (
            "code",
            "tools = cf.load_external_tools(ACCOUNT_ID)\n"
            "tools[['name', 'privacy_level', 'placement', 'enabled', 'text']]",
        ),
        ("md", "## Live-event subscriptions\n\nWhere Canvas sends events about this account, and which ones:"),
        ("code", "cf.load_data_services(ACCOUNT_ID)[['context_type', 'event_types', 'transport_type', 'format']]"),
        (
            "md",
            "## As the tool itself\n\nAn LTI Advantage tool authenticates with its developer key: it signs a "
            "JWT with its private key and exchanges it for a short-lived access token, which canvasframe "
            "refreshes before it expires. Here the sample Canvas hands us its demo tool's key; on your Canvas, "
            "use your developer key's client id and the tool's private key.",
        ),
        (
            "code",
            "from canvasframe._sample import sample_server\n\n"
            "demo_tool = sample_server().lti\n"
            "credentials = cf.lti.ClientCredentials(demo_tool.client_id, demo_tool.tool_private_key, canvas.root_url)\n"
            "as_tool = cf.Canvas(canvas.root_url, token=credentials, cache_namespace=canvas.cache_namespace)\n"
            "cf.load_account(ACCOUNT_ID, canvas=as_tool, refresh=True)[['name', 'uuid', 'default_time_zone']]",
        ),
        (
            "md",
            "## LTI 1.1 XML configurations\n\nOlder tools are installed from an XML configuration. "
            "`read_tool_config` turns one into a frame of placements:",
        ),
        (
            "code",
            "config = cf.lti.read_tool_config('../data/lti/tool.xml')\n"
            "config[['placement', 'enabled', 'text', 'selection_width', 'selection_height']]",
        ),
        (
            "md",
            "XML that declares entities (a \"billion laughs\" bomb, or an entity that reads local files) "
            "is refused before anything is expanded:",
        ),
        (
            "code",
            "try:\n"
            "    cf.lti.read_tool_config('../data/lti/hostile-external-entity.xml')\n"
            "except cf.ConfigError as error:\n"
            "    print(error)",
        ),
    ],
    "06-explorers": [
        (
            "md",
            "# Explorers: click through a course\n\nTwo interactive explorers built from the same loaders and "
            "plots. They need a live kernel (JupyterLab, Notebook or Voila); on a static page they show nothing.",
        ),
        *SETUP,
        (
            "md",
            "## A course\n\nThe **Overview** tab shows daily activity for a date range you choose. "
            "**Assignments** shows score quartiles and timeliness for the assignments you pick. **Students** "
            "lets you search or filter students (for example, those with two or more missing assignments) and "
            "shows the chosen student's page-view rhythm, participations, scores against the class and messages.",
        ),
        (
            "code",
            "# NBVAL_IGNORE_OUTPUT  (a live widget: its saved output is a snapshot of the UI)\n"
            "explorer = cf.widgets.CourseExplorer(COURSE_ID)\nexplorer",
        ),
        (
            "md",
            "Everything you can click can also be set from code, which is handy for reports. For example, "
            "how many students have two or more assignments missing:",
        ),
        (
            "code",
            "explorer.engagement.value = 'missing ≥ 2'\n[label for label, _ in explorer.student_picker.options]",
        ),
        (
            "md",
            "## A department\n\nSwitch between the current and the completed courses of the term, or type a term id.",
        ),
        (
            "code",
            "# NBVAL_IGNORE_OUTPUT  (a live widget)\n"
            "department = cf.widgets.DepartmentExplorer(ACCOUNT_ID)\ndepartment",
        ),
        ("code", "department.term.value = 'completed'\ndepartment.subaccounts[['name', 'courses', 'students']]"),
    ],
}


def build(name: str, cells: list) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source, *tags in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags[0]
        nb.cells.append(cell)
    env_cache = tempfile.mkdtemp(prefix="canvasframe-nbval-cache-")
    os.environ.update({"CANVASFRAME_PROGRESS": "0", "CANVASFRAME_CACHE_DIR": env_cache})
    for var in ("CANVAS_BASE_URL", "CANVAS_API_TOKEN", "CANVAS_COURSE_ID", "CANVAS_ACCOUNT_ID"):
        os.environ.pop(var, None)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def main(selected: list[str]) -> None:
    for name, cells in NOTEBOOKS.items():
        if not selected or any(name.startswith(s) for s in selected):
            print("built", build(name, cells).name)


if __name__ == "__main__":
    main(sys.argv[1:])

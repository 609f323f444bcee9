"""`voicebot chat` and `voicebot dialog test|validate|evaluate`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from voicebot.cli_context import AppContext, UserError, pass_app

if TYPE_CHECKING:
    from voicebot.dialog.evaluate import ExtractorComparison
    from voicebot.dialog.stories import CheckpointWarning, Story


def _project_dir(app: AppContext, given: str | None) -> Path:
    """The directory given; else the working directory when it is a Rasa project's root
    (it has domain.yml or domain/); else the dialog.project_dir setting."""
    if given:
        return Path(given)
    if any(Path(name).exists() for name in ("domain.yml", "domain.yaml", "domain")):
        return Path(".")
    return Path(app.settings.dialog.project_dir)


def _load_agent(app: AppContext, project: Path):
    from voicebot.dialog import Agent
    from voicebot.dialog.project import ProjectError

    try:
        return Agent.from_settings(app.settings.dialog, project)
    except (ProjectError, ValueError) as exc:
        raise UserError(str(exc)) from exc


@click.command("chat")
@click.option("--lang", "language", default=None, help="Conversation language (default: setting).")
@click.option("--project", "project", default=None, help="Dialog project directory.")
@click.option("--slot", "slots", multiple=True, metavar="NAME=VALUE", help="Starting slot value.")
@click.option("--show-events", is_flag=True, help="Print the Rasa events of each turn.")
@pass_app
def chat_command(
    app: AppContext,
    language: str | None,
    project: str | None,
    slots: tuple[str, ...],
    show_events: bool,
) -> None:
    """Talk to the bot in the terminal (type /quit to leave; /intent{...} works too)."""
    from voicebot.dialog import DialogError

    agent = _load_agent(app, _project_dir(app, project))
    language = language or agent.default_language
    starting: dict[str, str] = {}
    for item in slots:
        name, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"--slot wants NAME=VALUE, got {item!r}")
        starting[name] = value
    try:
        conv = agent.new_conversation(f"chat-{int(time.time())}", language=language, slots=starting)
    except DialogError as exc:
        raise UserError(str(exc)) from exc

    def show(turn) -> None:
        for message in turn.messages:
            # how the phone would say it (e.g. more slowly), shown since chat has no voice
            manner = message.metadata.get("speech_rate")
            click.echo(f"bot> {message.text}" + (f"  ({manner})" if manner else ""))
        if show_events:
            for event in turn.events:
                click.echo(click.style(f"      {event}", dim=True))

    show(conv.start())
    while not conv.ended:
        try:
            text = input("you> ") if sys.stdin.isatty() else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not text:
            break
        text = text.strip()
        if text in ("/quit", "/exit"):
            break
        if text:
            show(conv.handle(text))
    if conv.ended:
        click.echo("(the bot ended the conversation)")


@click.group("dialog")
def dialog_group() -> None:
    """Dialog projects: test stories, validation, NLU evaluation."""


@dialog_group.command("test")
@click.argument("project_dir", required=False)
@click.option("--lang", "language", default=None, help="Language of the test stories.")
@click.option("-v", "--verbose", is_flag=True, help="Print the transcript of failed stories.")
@click.option(
    "--out",
    default="results",
    show_default=True,
    help="Where failed_test_stories.yml and intent_report.json are written (as rasa test).",
)
@pass_app
def test_command(
    app: AppContext, project_dir: str | None, language: str | None, verbose: bool, out: str
) -> None:
    """Run the project's test stories; exit code 1 if any fails. A checkpoint that joins
    nothing (misspelt, or never reached) is a warning, as in `rasa test`: the story is run up
    to it and its PASS line says where it was cut short."""
    import json

    from voicebot.dialog.stories import read_story_graph
    from voicebot.dialog.testing import (
        failed_stories_yaml,
        intent_report,
        run_story,
        story_intents,
    )

    agent = _load_agent(app, _project_dir(app, project_dir))
    graph = read_story_graph(agent.project.test_files, test=True)
    stories = graph.stories
    _echo_warnings(graph.warnings)
    if not stories:
        raise UserError(f"no test stories under {agent.project.root}")
    failed = 0
    results = []

    def language_of(story: Story) -> str:
        return language or _story_language(story.location, agent.languages, agent.default_language)

    for index, story in enumerate(stories):
        result = run_story(agent, story, language_of(story), index)
        results.append(result)
        cut = (
            f"  (WARNING: cut short at checkpoint {', '.join(map(repr, story.cut_at))}, "
            "which no story block continues from)"
            if story.cut_at
            else ""
        )
        if result.passed:
            click.echo(f"PASS  {story.name}{cut}")
            continue
        failed += 1
        click.echo(f"FAIL  {story.name}  ({story.location}){cut}")
        click.echo(f"      {result.divergence}")
        if verbose:
            click.echo("\n".join(result.transcript))
    out_dir = Path(out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        failed_path = out_dir / "failed_test_stories.yml"
        failed_path.write_text(failed_stories_yaml(results), encoding="utf-8")
        report = intent_report(story_intents(agent, stories, language_of))
        report_path = out_dir / "intent_report.json"
        report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the test results to {out_dir}: {exc}") from exc
    click.echo(f"intent accuracy of the test messages {report['accuracy']:.3f}")
    click.echo(f"wrote {failed_path} and {report_path}")
    summary = f"{len(stories) - failed} passed, {failed} failed"
    if graph.warnings:
        count = len(graph.warnings)
        summary += (
            f"; {count} checkpoint warning{'s' if count > 1 else ''}: stories are cut short "
            "or some of their steps never run (see the warnings above)"
        )
    click.echo(summary)
    if failed:
        sys.exit(1)


def _echo_warnings(warnings: list[CheckpointWarning]) -> None:
    for warning in warnings:
        click.secho(f"WARNING  {warning}", fg="yellow", err=True)


def _story_language(location: str, languages: list[str], default: str) -> str:
    """A test file or directory named after a language (tests/pl/..., test_en.yml) sets it."""
    parts = Path(location.rsplit(":", 1)[0]).parts
    for part in reversed(parts):
        stem = Path(part).stem.removeprefix("test_").removeprefix("stories_")
        for token in [stem, *stem.replace("-", "_").split("_")]:
            if token in languages:
                return token
    return default


@dialog_group.command("validate")
@click.argument("project_dir", required=False)
@click.option(
    "--fail-on-warnings",
    is_flag=True,
    help="Exit code 1 on warnings too (as rasa data validate --fail-on-warnings).",
)
@pass_app
def validate_command(app: AppContext, project_dir: str | None, fail_on_warnings: bool) -> None:
    """Report domain and data problems with file and line (checkpoints that join nothing
    among them, as warnings); exit code 1 on errors."""
    from voicebot.dialog.validate import validate_project

    issues = validate_project(_project_dir(app, project_dir))
    for issue in issues:
        click.echo(str(issue))
    errors = sum(1 for i in issues if i.level == "error")
    warnings = len(issues) - errors
    click.echo(f"{errors} errors, {warnings} warnings")
    if errors or (fail_on_warnings and warnings):
        sys.exit(1)


@dialog_group.command("evaluate")
@click.argument("project_dir", required=False)
@click.option("--lang", "languages", multiple=True, help="Language(s) to evaluate (default: all).")
@click.option("--test-fraction", default=0.2, show_default=True, type=float)
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--show-errors", is_flag=True, help="List misclassified test examples.")
@click.option(
    "--heldout",
    "heldout_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="NLU test file of held-out phrasings (default: the `nlu:` files under tests/).",
)
@click.option(
    "--conversations",
    "conversations",
    default=None,
    metavar="DIR",
    help="Play the scripted conversations under DIR instead and score the stored fields.",
)
@click.option("--split", "splits", multiple=True, help="With --conversations: only this split.")
@click.option("-v", "--verbose", is_flag=True, help="With --conversations: print transcripts.")
@pass_app
def evaluate_command(
    app: AppContext,
    project_dir: str | None,
    languages: tuple[str, ...],
    test_fraction: float,
    seed: int,
    show_errors: bool,
    heldout_files: tuple[str, ...],
    conversations: str | None,
    splits: tuple[str, ...],
    verbose: bool,
) -> None:
    """NLU evaluation on a held-out split and on held-out test files: intent accuracy and
    entity precision/recall/F1 per entity, rule-only extractor beside the learned one.
    With --conversations DIR: scripted merchant conversations played against the agent,
    fields right per language and split, turns per conversation, and every miss."""
    if conversations:
        _evaluate_conversations(app, project_dir, conversations, languages, splits, verbose)
        return
    from voicebot.dialog.domain import load_domain
    from voicebot.dialog.evaluate import evaluate, evaluate_heldout, shown
    from voicebot.dialog.nlu import load_nlu_files
    from voicebot.dialog.nlu.pipeline import read_rasa_config
    from voicebot.dialog.project import discover, file_language

    project = discover(_project_dir(app, project_dir))
    entities = load_domain(project.domain_path).entities
    nlu_config = read_rasa_config(project.config).nlu
    heldout = dict(project.nlu_test_files)
    if heldout_files:
        heldout = {}
        for name in heldout_files:
            lang = file_language(Path(name), list(project.nlu_files))
            lang = lang or (languages[0] if languages else project.language)
            heldout.setdefault(lang, []).append(Path(name))
    wanted = list(languages) or list(project.nlu_files)
    for language in wanted:
        if language not in project.nlu_files:
            raise UserError(f"no NLU data for '{language}' (have: {', '.join(project.nlu_files)})")
        started = time.perf_counter()
        data = load_nlu_files(project.nlu_files[language])
        result = evaluate(
            data,
            language,
            test_fraction=test_fraction,
            seed=seed,
            entities=entities,
            config=nlu_config,
        )
        click.echo(
            f"{language}: intent accuracy {result.intent_accuracy:.3f} "
            f"({result.test_size} held out, {result.train_size} trained), entity precision "
            f"{shown(result.entity_precision, 0)} recall {shown(result.entity_recall, 0)} "
            f"F1 {shown(result.entity_f1, 0)}  [{time.perf_counter() - started:.1f} s]"
        )
        if show_errors:
            for text, expected, got in result.errors:
                click.echo(f"    {text!r}: expected {expected}, got {got}")
        if result.comparison is not None:
            _print_comparison(result.comparison)
        if heldout.get(language):
            comparison = evaluate_heldout(
                data,
                load_nlu_files(heldout[language]),
                language,
                entities=entities,
                config=nlu_config,
                source=", ".join(str(p) for p in heldout[language]),
            )
            _print_comparison(comparison)


def _print_comparison(comparison: ExtractorComparison) -> None:
    """Per-entity precision/recall/F1: rule-only extractor (before) and with the CRF (after);
    n/a where a figure is undefined (precision of an extractor that predicted nothing)."""
    from voicebot.dialog.evaluate import shown

    click.echo(
        f"  entities on {comparison.source} ({comparison.examples} examples, intent accuracy "
        f"{comparison.intent_accuracy:.3f}); span matches, rule-only -> rules + CRF:"
    )
    click.echo(f"    {'entity':<18} {'precision':>15} {'recall':>15} {'F1':>15} {'support':>8}")
    for name, before in comparison.rule_only.items():
        after = comparison.learned[name]
        click.echo(
            f"    {name:<18} "
            f"{shown(before.precision, 6)} -> {shown(after.precision)} "
            f"{shown(before.recall, 6)} -> {shown(after.recall)} "
            f"{shown(before.f1, 6)} -> {shown(after.f1)} {after.support:8d}"
        )


def _evaluate_conversations(
    app: AppContext,
    project_dir: str | None,
    directory: str,
    languages: tuple[str, ...],
    splits: tuple[str, ...],
    verbose: bool,
) -> None:
    from voicebot.actions.conversation_eval import (
        ConversationFileError,
        evaluate_conversations,
        format_value,
        load_scripts,
    )

    try:
        scripts = load_scripts(Path(directory))
    except ConversationFileError as exc:
        raise UserError(str(exc)) from exc
    scripts = [
        s
        for s in scripts
        if (not languages or s.language in languages) and (not splits or s.split in splits)
    ]
    if not scripts:
        raise UserError(f"no conversations under {directory} for the chosen language/split")
    agent = _load_agent(app, _project_dir(app, project_dir))
    try:
        groups, results = evaluate_conversations(agent, scripts)
    except ConversationFileError as exc:
        raise UserError(str(exc)) from exc
    if verbose:
        for result in results:
            click.echo(f"== {result.script.path}")
            click.echo("\n".join(result.transcript))
    for (language, split), score in sorted(groups.items()):
        click.echo(
            f"{language} {split}: fields right {score.fields_right}/{score.fields_total} "
            f"= {score.accuracy:.1%}, {score.conversations} conversations, "
            f"{score.completed} completed, {score.turns_per_conversation:.1f} turns each"
        )
        for name, (right, total) in score.per_field.items():
            click.echo(f"    {name:<18} {right}/{total}")
    for result in results:
        click.echo(
            f"  {result.script.language} {result.script.split} {result.script.path.stem}: "
            f"{result.fields_right}/{result.fields_total} right, {result.turns} turns, "
            f"outcome {result.outcome}"
        )
        for miss in result.misses:
            click.echo(
                f"      MISS {miss.field}: expected {format_value(miss.expected)}, "
                f"got {format_value(miss.got)}  (said: {miss.words})"
            )

"""The `wiki` command is a Flask group: run, shell, routes and db come with the wiki's own."""

from click.testing import CliRunner

from wiki.cli import cli


def test_wiki_command_lists_flask_and_wiki_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WIKI_DATABASE_URL", f"sqlite:///{tmp_path}/wiki.db")
    runner = CliRunner()
    help_text = runner.invoke(cli, ["--help"]).output
    for command in ("run", "shell", "routes", "db", "users", "content"):
        assert f"  {command} " in help_text, command
    routes = runner.invoke(cli, ["routes"])
    assert routes.exit_code == 0, routes.output
    assert "/p/<path:path>/+edit" in routes.output and "/login" in routes.output

"""The command line's contract: exit codes 0 / 2 / 1 and one-line bilingual messages."""

import subprocess
import sys


def run(args, env):
    return subprocess.run(
        [sys.executable, "-m", "fundguard.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_help_lists_the_domain_commands(cli_env):
    result = run(["--help"], cli_env)
    assert result.returncode == 0
    assert "profile" in result.stdout


def test_unknown_command_is_bad_usage(cli_env):
    assert run(["no-such-command"], cli_env).returncode == 2


def test_invalid_profile_exits_2_naming_the_key(cli_env, tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "national.yaml").write_text(
        "parameters:\n  scoring:\n    suspend_threshold: {value: 9, type: int, min: 1, max: 12}\n",
        encoding="utf-8",
    )
    cli_env["FUNDGUARD_PROFILES_DIR"] = str(folder)
    result = run(["profile", "show"], cli_env)
    assert result.returncode == 2
    assert "scoring.suspend_threshold" in result.stderr
    assert "来源" in result.stderr


def test_db_upgrade_then_verify_log_on_a_fresh_home(cli_env):
    assert run(["db", "upgrade"], cli_env).returncode == 0
    result = run(["verify-log"], cli_env)
    assert result.returncode == 0, result.stderr

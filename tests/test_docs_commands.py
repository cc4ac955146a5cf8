"""Every command in the documentation runs as written, or says what it needs.

Each fenced ``bash`` block of ``README.md`` and ``docs/*.md`` (and each
inline ```` `python tools/...` ```` / ```` `bash tools/...` ```` of the prose)
is split into commands (line continuations joined, ``&&``/``;``/``|`` split, ``[...]``
optional parts kept, ``a|b`` alternatives read as one value). For every
command that runs one of this repository's scripts the test checks, without
running any real work:

* the script (``python tools/x.py``, ``python -m hm2pn.x``, ``bash tools/x.sh``)
  exists;
* every ``--flag`` it is given is an option of that script's ``argparse``
  parser (shell wrappers are checked against the script they call);
* every path into the repository that it names (``configs/...``, ``docs/...``,
  ``tests/...``, ...) exists (globs must match something);
* a command that trains or evaluates on COCO, MPII or the full LSP, or needs
  a GPU, is marked: a ``#`` comment on its line, or a comment line of its
  block, says ``GPU``, ``COCO``, ``MPII`` or ``LSP``.

The parsers are taken from the scripts themselves: each script is run in
one subprocess with ``argparse.ArgumentParser.parse_args`` replaced by a
function that records the parser and stops the script.
"""

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set

import pytest

from tests.utils import REPO

DOCS = [REPO / 'README.md', *sorted((REPO / 'docs').glob('*.md'))]

#: Shell scripts: the Python script their extra arguments go to, or the
#: flags they take themselves (None: the arguments go to pytest).
SHELL_WRAPPERS: Dict[str, object] = {
    'tools/dist_train.sh': 'tools/train.py',
    'tools/dist_test.sh': 'tools/test.py',
    'tools/slurm_train.sh': 'tools/train.py',
    'tools/quickstart.sh': 'tools/quickstart.py',
    'tools/run_tests.sh': None,
    'tools/install.sh': set(),
    'tools/lint.sh': {'--fix'},
    'tools/analysis/lsp_study.sh': 'tools/analysis/ablation.py',
}
#: Commands of other projects or of the shell: only their repository paths
#: are checked.
EXTERNAL = {
    'mim',
    'tensorboard',
    'pip',
    'git',
    'cd',
    'source',
    'export',
    'ls',
    'cat',
    'zip',
    'unzip',
    'mkdir',
    'ln',
    'rm',
    'cp',
    'echo',
    'wget',
    'curl',
    'tar',
    'pre-commit',
    'ruff',
    'pytest',
    'nvidia-smi',
}
#: Top-level folders of the repository: a token starting with one is a path
#: that must exist.
REPO_DIRS = ('configs/', 'tools/', 'docs/', 'tests/', 'bench/', 'demo/', 'hm2pn/', 'requirements/')
#: Words of a comment that mark a command as needing a GPU or a full dataset.
MARKS = re.compile(r'\b(GPU|GPUs|COCO|MPII|LSP)\b')
#: Configs that read the full datasets (under $HM2PN_DATA or the LSP root).
DATA_CONFIG = re.compile(r'configs/(hm2pn_|pose_|hrnet_w32_hm2pn|res50_hm2pn|lsp/|study/)')
#: Tools that train or evaluate (and so read the config's data).
RUNS_DATA = (
    'tools/train.py',
    'tools/test.py',
    'tools/dist_train.sh',
    'tools/dist_test.sh',
    'tools/slurm_train.sh',
    'tools/analysis/ablation.py',
    'tools/analysis/lsp_study.sh',
    'tools/analysis/keypoint_report.py',
)


@dataclass
class Command:
    """One command of a fenced ``bash`` block."""

    doc: str
    line: int
    words: List[str]
    comment: str
    block_comments: str
    script: Optional[str] = None
    flags: List[str] = field(default_factory=list)
    #: in inline code of the prose (not checked for the GPU/dataset mark)
    inline: bool = False

    def where(self) -> str:
        return f'{self.doc}:{self.line}: {" ".join(self.words)}'


def bash_blocks(path: Path) -> List[tuple]:
    """(first line number, lines) of each fenced ``bash`` block of a file."""
    blocks, current, start = [], None, 0
    for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
        stripped = line.strip()
        if current is None and stripped.startswith('```bash'):
            current, start = [], number + 1
        elif current is not None and stripped.startswith('```'):
            blocks.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


INLINE = re.compile(r'`((?:[A-Z_]+=\S+ )*(?:python|bash) (?:tools|bench|demo|-m hm2pn)[^`]*)`')


def inline_commands(path: Path) -> List[tuple]:
    """(line number, text) of each command in inline code outside code blocks
    (```` `python tools/x.py ...` ````)."""
    out, fenced = [], False
    for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
        if line.strip().startswith('```'):
            fenced = not fenced
        elif not fenced:
            out += [(number, m.group(1)) for m in INLINE.finditer(line)]
    return out


def _unbracket(text: str) -> str:
    """Optional parts ``[...]`` opened, ``|`` inside them read as a space."""
    out, depth = [], 0
    for char in text:
        if char == '[':
            depth += 1
            out.append(' ')
        elif char == ']' and depth:
            depth -= 1
            out.append(' ')
        elif char == '|' and depth:
            out.append(' ')
        else:
            out.append(char)
    return ''.join(out)


def split_comment(line: str) -> tuple:
    """(code, comment) of one shell line (a ``#`` after a space or at the start)."""
    match = re.search(r'(^|\s)#', line)
    if match is None:
        return line, ''
    return line[: match.start()], line[match.end() :]


def commands_of(path: Path) -> List[Command]:
    """The commands of every fenced ``bash`` block of a document."""
    doc = path.relative_to(REPO).as_posix()
    out = []
    for start, lines in bash_blocks(path):
        block_comments = ' '.join(line.strip() for line in lines if line.strip().startswith('#'))
        logical, number, comment = '', start, ''
        for offset, line in enumerate(lines):
            code, note = split_comment(line)
            if not logical:
                number, comment = start + offset, ''
            comment += ' ' + note
            if code.rstrip().endswith('\\'):
                logical += code.rstrip()[:-1] + ' '
                continue
            logical += code
            text, logical = logical.strip(), ''
            if not text:
                continue
            words = shlex.split(_unbracket(text).replace('$(', '( '), posix=True)
            part: List[str] = []
            for word in [*words, ';']:
                if word in ('&&', '||', '|', ';') or word.endswith(';'):
                    if word.endswith(';') and word != ';':
                        part.append(word[:-1])
                    if part:
                        out.append(Command(doc, number, part, comment, block_comments))
                    part = []
                else:
                    part.append(word)
    for number, text in inline_commands(path):
        words = shlex.split(_unbracket(text), posix=True)
        out.append(Command(doc, number, words, '', '', inline=True))
    return out


def classify(cmd: Command) -> None:
    """Set the command's script (repository-relative) and its ``--flags``."""
    words = list(cmd.words)
    while words and (
        words[0] in ('time', 'exec', 'env') or re.match(r'[A-Za-z_][A-Za-z0-9_]*=', words[0])
    ):
        words = words[1:]  # VAR=value prefixes
    if not words:
        return
    head = words[0]
    if head.endswith('python') or head.endswith('python3'):
        if len(words) > 2 and words[1] == '-m':
            module = words[2]
            if module.startswith('hm2pn'):
                cmd.script = module.replace('.', '/') + '.py'
            else:
                cmd.script = f'-m {module}'
            args = words[3:]
        elif len(words) > 1 and words[1].endswith('.py'):
            cmd.script, args = words[1], words[2:]
        else:
            return
    elif head in ('bash', 'sh') and len(words) > 1:
        cmd.script, args = words[1], words[2:]
    elif head.endswith('.sh'):
        cmd.script, args = head, words[1:]
    else:
        cmd.script, args = head, words[1:]
    cmd.flags = [w.split('=')[0] for w in args if re.match(r'--[a-zA-Z]', w)]


ALL_COMMANDS = [cmd for doc in DOCS for cmd in commands_of(doc)]
for _cmd in ALL_COMMANDS:
    classify(_cmd)
OUR_SCRIPTS = sorted(
    {
        c.script
        for c in ALL_COMMANDS
        if c.script and c.script.endswith('.py') and (REPO / c.script).is_file()
    }
    | {s for s in SHELL_WRAPPERS.values() if isinstance(s, str)}
)

CAPTURE = r"""
import argparse, json, runpy, sys
scripts = json.loads(sys.argv[1])
found = {}
class Captured(Exception):
    pass
def capture(self, args=None, namespace=None):
    raise Captured(self)
argparse.ArgumentParser.parse_args = capture
argparse.ArgumentParser.parse_known_args = capture
for script in scripts:
    sys.argv = [script]
    try:
        runpy.run_path(script, run_name='__main__')
        found[script] = 'no argparse parser was reached'
    except Captured as exc:
        parser = exc.args[0]
        found[script] = sorted(o for o in parser._option_string_actions if o.startswith('--'))
    except BaseException as exc:
        found[script] = f'{type(exc).__name__}: {exc}'
print('FLAGS=' + json.dumps(found))
"""


@pytest.fixture(scope='module')
def script_flags() -> Dict[str, object]:
    """The ``--flags`` of each of our scripts the docs run, from its parser."""
    proc = subprocess.run(
        [sys.executable, '-c', CAPTURE, json.dumps(OUR_SCRIPTS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={'PYTHONPATH': str(REPO), 'HM2PN_OFFLINE': '1', 'PATH': '/usr/bin:/bin'},
    )
    line = [x for x in proc.stdout.splitlines() if x.startswith('FLAGS=')]
    assert line, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(line[-1][len('FLAGS=') :])


def accepted_flags(script: str, parsers: Dict[str, object]) -> Optional[Set[str]]:
    """The flags ``script`` accepts (None: not checked, e.g. pytest's)."""
    target = SHELL_WRAPPERS.get(script, script)
    if target is None:
        return None
    if isinstance(target, set):
        return target
    flags = parsers[target]
    assert isinstance(flags, list), f'{target}: {flags}'
    return set(flags)


def repo_paths(cmd: Command) -> List[str]:
    """Words of the command that name a path inside the repository."""
    return [w for w in cmd.words if w.startswith(REPO_DIRS) and '$' not in w]


def path_exists(word: str) -> bool:
    """Whether a repository path (or glob, ``{a,b}`` alternatives) exists."""
    match = re.search(r'\{([^}]*)\}', word)
    if match:
        options = match.group(1).split(',')
        return all(path_exists(word[: match.start()] + o + word[match.end() :]) for o in options)
    if any(c in word for c in '*?'):
        return any(REPO.glob(word))
    return (REPO / word).exists()


def needs_mark(cmd: Command) -> bool:
    """Trains/evaluates a config on a full dataset, or asks for CUDA."""
    if '--device' in cmd.flags and 'cuda' in cmd.words:
        return True
    if cmd.script not in RUNS_DATA:
        return False
    return any(DATA_CONFIG.match(w) for w in cmd.words)


def test_docs_have_commands():
    assert len(ALL_COMMANDS) > 50
    assert any(c.script == 'tools/quickstart.sh' for c in ALL_COMMANDS if c.doc == 'README.md')


@pytest.mark.slow
def test_every_documented_command_runs_as_written(script_flags, capsys):
    problems, checked_flags, checked_paths, ours = [], 0, 0, 0
    for cmd in ALL_COMMANDS:
        if cmd.script is None or cmd.script in EXTERNAL or cmd.script.startswith('-m '):
            pass  # a variable assignment, or another project's command: paths only
        elif not (REPO / cmd.script).is_file():
            problems.append(f'{cmd.where()}: {cmd.script} does not exist')
            continue
        else:
            ours += 1
            accepted = accepted_flags(cmd.script, script_flags)
            if accepted is not None:
                for flag in cmd.flags:
                    checked_flags += 1
                    if flag not in accepted:
                        problems.append(f'{cmd.where()}: {cmd.script} has no {flag}')
        for word in repo_paths(cmd):
            checked_paths += 1
            if not path_exists(word.rstrip(',.')):
                problems.append(f'{cmd.where()}: {word} does not exist')
        if (
            not cmd.inline
            and needs_mark(cmd)
            and not MARKS.search(cmd.comment + ' ' + cmd.block_comments)
        ):
            problems.append(
                f'{cmd.where()}: needs a GPU or a full dataset; '
                'say so in a comment (GPU/COCO/MPII/LSP)'
            )
    with capsys.disabled():
        print(
            f'\n[docs commands] {len(DOCS)} documents, {len(ALL_COMMANDS)} commands '
            f"({ours} of this repository's scripts, {len(OUR_SCRIPTS)} parsers), "
            f'{checked_flags} flags, {checked_paths} paths checked'
        )
    assert not problems, '\n'.join(problems)


def test_splitting_of_documented_commands(tmp_path, monkeypatch):
    doc = tmp_path / 'doc.md'
    doc.write_text(
        '```bash\n'
        '# on a GPU\n'
        'OMP_NUM_THREADS=1 python tools/test.py CFG CKPT \\\n'
        '    --gt-bbox [--backend pytorch|onnxruntime] && bash tools/lint.sh --fix  # fix\n'
        '```\n'
        '```\nnot bash --x\n```\n'
    )
    monkeypatch.setattr(sys.modules[__name__], 'REPO', tmp_path)
    cmds = commands_of(doc)
    for cmd in cmds:
        classify(cmd)
    assert [(c.line, c.script, c.flags) for c in cmds] == [
        (3, 'tools/test.py', ['--gt-bbox', '--backend']),
        (3, 'tools/lint.sh', ['--fix']),
    ]
    assert cmds[0].words[-2:] == ['pytorch', 'onnxruntime'] and 'GPU' in cmds[0].block_comments
    assert 'fix' in cmds[1].comment

"""The docs hold together: every relative link in README.md and docs/ resolves (to a file, and to
a heading of it when it names one), every page of docs/ is reachable from the index, and every
``configs/...py`` the docs name exists."""
import glob
import itertools
import os.path as osp
import re
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAGES = ['README.md'] + sorted(
    osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True))
INDEX = 'docs/README.md'
# Config names the docs use as examples of a file the reader writes, not one that ships.
PLACEHOLDER_CONFIGS = {
    'configs/experiments/X.py',  # "--experiments configs/experiments/X.py": a config of your own
    'configs/my.py',  # an error message quoting the user's config
    'configs/_base_/datasets/cat_video.py',  # docs/plugins.md's cat plugin, written on the page
}

FENCE = re.compile(r'^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$', re.M | re.S)
CODE_SPAN = re.compile(r'(`+).+?\1', re.S)
INLINE_LINK = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
REFERENCE_DEF = re.compile(r'^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$', re.M)
CONFIG_PATH = re.compile(r'(?<![\w/.\-])configs/[\w./\-{},*<>]*?\.py\b')


def read(page):
    with open(osp.join(REPO, page), encoding='utf-8') as f:
        return f.read()


def prose(text):
    """The text outside fenced code blocks and code spans, where links are links."""
    return CODE_SPAN.sub('', FENCE.sub('', text))


def links(page):
    """The link targets of a page: inline links, images and reference definitions."""
    text = prose(read(page))
    return INLINE_LINK.findall(text) + REFERENCE_DEF.findall(text)


def is_relative(target):
    return not re.match(r'[a-zA-Z][a-zA-Z0-9+.\-]*:', target) and not target.startswith('//')


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation but '-' and '_' dropped, spaces to
    '-' (the markdown of the heading's text removed first)."""
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', heading.strip()).lower()
    return re.sub(r'[^\w\- ]', '', text).replace(' ', '-')


def anchors(page):
    """Every anchor GitHub gives the headings of a page (repeated headings get -1, -2, ...)."""
    seen, out = {}, set()
    for line in FENCE.sub('', read(page)).splitlines():
        m = re.match(r' {0,3}#{1,6}\s+(.*?)\s*#*\s*$', line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f'{base}-{n}')
    return out


def broken_links(page):
    """The relative links of a page that do not resolve, with why."""
    broken = []
    for target in links(page):
        if not is_relative(target):
            continue
        path, _, anchor = target.partition('#')
        resolved = osp.normpath(osp.join(osp.dirname(page), path)) if path else page
        if resolved.startswith('..') or not osp.exists(osp.join(REPO, resolved)):
            broken.append(f'{target}: no such file ({resolved})')
        elif anchor and resolved.endswith('.md') and anchor not in anchors(resolved):
            broken.append(f'{target}: {resolved} has no heading #{anchor}')
    return broken


def expand(config):
    """A named config as the paths it stands for: braces expanded, '<name>' read as '*'."""
    m = re.search(r'\{([^{}]*)\}', config)
    if m:
        return list(itertools.chain.from_iterable(
            expand(config[:m.start()] + alt + config[m.end():]) for alt in m.group(1).split(',')))
    return [re.sub(r'<[^<>]*>', '*', config)]


def missing_configs(page):
    missing = []
    for config in sorted(set(CONFIG_PATH.findall(read(page))) - PLACEHOLDER_CONFIGS):
        for pattern in expand(config):
            if not glob.glob(osp.join(REPO, pattern)):
                missing.append(config if pattern == config else f'{config} ({pattern})')
    return missing


@pytest.mark.parametrize('page', PAGES)
def test_relative_links_resolve(page):
    assert not broken_links(page), f'{page}: broken links: {broken_links(page)}'


@pytest.mark.parametrize('page', PAGES)
def test_named_configs_exist(page):
    assert not missing_configs(page), f'{page}: no such config: {missing_configs(page)}'


def test_every_docs_page_is_reachable_from_the_index():
    reached, todo = {INDEX}, [INDEX]
    while todo:
        page = todo.pop()
        for target in links(page):
            path = target.partition('#')[0]
            if not path or not is_relative(target) or not path.endswith('.md'):
                continue
            linked = osp.normpath(osp.join(osp.dirname(page), path))
            if linked in PAGES and linked not in reached:
                reached.add(linked)
                todo.append(linked)
    unreached = [p for p in PAGES if p.startswith('docs/') and p not in reached]
    assert not unreached, f'not reachable from {INDEX}: {unreached}'
    readme_links = {osp.normpath(t.partition('#')[0]) for t in links('README.md')}
    assert INDEX in readme_links, f'README.md does not link {INDEX}'


def test_the_checks_find_what_is_broken(tmp_path, monkeypatch):
    """The helpers flag a missing file, a missing heading and a missing config."""
    page = tmp_path / 'docs' / 'page.md'
    page.parent.mkdir()
    page.write_text('# A title, with: punctuation\n\n[ok](page.md#a-title-with-punctuation) '
                    '[gone](other.md) [no heading](page.md#nowhere) [web](https://example.org)\n'
                    '`[in code](nowhere.md)` configs/nowhere.py configs/{a,b}.py\n')
    (tmp_path / 'configs').mkdir()
    (tmp_path / 'configs' / 'a.py').write_text('')
    monkeypatch.setattr(sys.modules[__name__], 'REPO', str(tmp_path))
    assert broken_links('docs/page.md') == [
        'other.md: no such file (docs/other.md)', 'page.md#nowhere: docs/page.md has no heading '
        '#nowhere']
    assert missing_configs('docs/page.md') == ['configs/nowhere.py',
                                               'configs/{a,b}.py (configs/b.py)']

#!/usr/bin/env bash
# The project's documents stand alone, as a newcomer reads them in a clone:
#   - every relative link of every Markdown file leads to a file of the
#     repository (none to ../shared or elsewhere outside it);
#   - docs/DEPENDENCIES.md explains each package scripts/deps installs to
#     build and run baosong exactly once (none is listed again as a later
#     addition once it is used), and each package of the test list;
#   - README.md says that a short body is never taken for a duplicate.
#   tests/system/test_docs.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "${1:?usage: test_docs.sh SOURCE_DIR}" && pwd)
/usr/bin/python3 - "$source_dir" <<'PYTHON'
import os, re, subprocess, sys
root = sys.argv[1]
problems = []

# 1. Relative links.
files = subprocess.run(['git', '-C', root, 'ls-files', '*.md'], capture_output=True, text=True,
                       check=True).stdout.split()
link = re.compile(r'\]\(([^)\s]+)\)')
for name in files:
    text = open(os.path.join(root, name), encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)  # code blocks are not links
    for target in link.findall(text):
        if re.match(r'^[a-z]+:', target) or target.startswith('#'):
            continue  # a URL or an anchor of the same page
        path = os.path.normpath(os.path.join(root, os.path.dirname(name), target.split('#')[0]))
        if os.path.relpath(path, root).startswith('..'):
            problems.append('%s links outside the repository: %s' % (name, target))
        elif not os.path.exists(path):
            problems.append('%s links to a missing file: %s' % (name, target))

# 2. Packages: scripts/deps's lists against the tables of DEPENDENCIES.md.
deps = open(os.path.join(root, 'scripts/deps'), encoding='utf-8').read()
def packages(list_name):
    found = re.search(r'^%s=\(([^)]*)\)' % list_name, deps, re.M)
    if not found:
        problems.append('scripts/deps has no %s list' % list_name)
        return []
    return found.group(1).split()
rows = []  # the names in the first column of each table row
for line in open(os.path.join(root, 'docs/DEPENDENCIES.md'), encoding='utf-8'):
    if line.startswith('| ') and not line.startswith('| Package') and not line.startswith('|---'):
        first = line.split('|')[1]
        first = re.sub(r'\([^)]*\)', '', first)
        rows.append(set(re.findall(r'[a-z0-9][a-z0-9.+-]*', first)))
for package in packages('runtime'):
    count = sum(package in row for row in rows)
    if count != 1:
        problems.append('docs/DEPENDENCIES.md lists the runtime package %s in %d rows, not one'
                        % (package, count))
for package in packages('testing'):
    if not any(package in row for row in rows):
        problems.append('docs/DEPENDENCIES.md does not explain the test package %s' % package)

# 3. The README on short bodies.
readme = open(os.path.join(root, 'README.md'), encoding='utf-8').read()
if not re.search(r'shorter than 10 characters[^.]*\s+[^.]*is never a duplicate', readme):
    problems.append('README.md does not say that a body shorter than 10 characters is never '
                    'a duplicate')

for problem in problems:
    print('FAIL:', problem)
sys.exit(1 if problems else 0)
PYTHON
echo "docs: links stay in the repository, every package explained once, short bodies said"

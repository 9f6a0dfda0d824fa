#!/usr/bin/python3
"""The layering of the source, checked mechanically.

    file_graph.py SOURCE_DIR BUILD_DIR

1. Includes: a quoted #include in common/ names a header of common/ (the
   protocol is common/bs_proto.def; the application's schemas/ are never
   seen from common/), schemas/ includes only common/ and schemas/, a
   service only its own folder, common/ and schemas/, the CLI only cli/,
   common/ and schemas/.
2. Calls: no loop between the files of one folder. From the object files
   of BUILD_DIR (nm: the symbols each file defines and uses), file A
   depends on file B of the same folder when A uses a symbol B defines;
   every strongly connected group of two or more files is a loop, printed
   with the symbols that make it.

Exits 1 and says what is wrong, 0 when the layering holds. First it checks
itself on two small files that call each other (a check that cannot fail
is no check)."""
import collections
import os
import re
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def allowed_folders(folder):
    """The folders whose headers a file of folder may include."""
    top = folder.split('/')[0]
    if top == 'common':
        return {'common'}
    if top == 'schemas':
        return {'common', 'schemas'}
    if top in ('services', 'cli'):
        return {folder, 'common', 'schemas'}
    return None


def include_problems(source):
    headers = collections.defaultdict(set)  # header name -> folders that hold it
    for top in ('common', 'schemas', 'cli', 'services'):
        for root, _, files in os.walk(os.path.join(source, top)):
            for name in files:
                headers[name].add(os.path.relpath(root, source))
    problems = []
    for top in ('common', 'schemas', 'cli', 'services'):
        for root, _, files in os.walk(os.path.join(source, top)):
            folder = os.path.relpath(root, source)
            allowed = allowed_folders(folder)
            for name in sorted(files):
                if not name.endswith(('.c', '.h', '.def')):
                    continue
                with open(os.path.join(root, name), encoding='utf-8') as f:
                    text = f.read()
                for included in INCLUDE.findall(text):
                    base = os.path.basename(included)
                    where = headers.get(base, set())
                    if not where:
                        continue  # a system header written with quotes
                    if not where & allowed:
                        problems.append('%s/%s includes "%s" from %s' %
                                        (folder, name, included, ', '.join(sorted(where))))
    return problems


def symbols(path):
    out = subprocess.run(['nm', path], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TDBRC':
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == 'U':
            used.add(parts[1])
    return defined, used


def loops(objects):
    """objects: {source path: object path}. The loops, each a list of lines."""
    defs, uses = {}, {}
    for name, path in objects.items():
        defined, uses[name] = symbols(path)
        for symbol in defined:
            defs[symbol] = name
    edges = collections.defaultdict(set)
    for name, used in uses.items():
        for symbol in used:
            other = defs.get(symbol)
            if other and other != name and os.path.dirname(other) == os.path.dirname(name):
                edges[name].add(other)
    # Tarjan's strongly connected components, iteratively.
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = 0
    for start in sorted(objects):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    found = []
    for group in groups:
        lines = ['loop between ' + ', '.join(group)]
        for a in group:
            for b in sorted(edges[a] & set(group)):
                why = sorted(s for s in uses[a] if defs.get(s) == b)
                lines.append('    %s -> %s: %s' % (a, b, ' '.join(why[:8])))
        found.append(lines)
    return found


def project_objects(source, build):
    objects = {}
    for root, _, files in os.walk(os.path.join(build, 'CMakeFiles')):
        for name in files:
            if not name.endswith('.c.o') or '.dir/' not in root + '/':
                continue
            path = os.path.join(root, name)
            relative = path.split('.dir/', 1)[1][:-len('.o')]
            if relative.split('/')[0] not in ('common', 'schemas', 'cli', 'services'):
                continue
            if os.path.exists(os.path.join(source, relative)):  # not a stale object
                objects[relative] = path
    return objects


def self_test():
    with tempfile.TemporaryDirectory() as folder:
        sources = {'d/a.c': 'int b (void); int a (void) { return b (); }',
                   'd/b.c': 'int a (void); int b (void) { return a (); }',
                   'd/c.c': 'int a (void); int c (void) { return a (); }'}
        objects = {}
        for name, text in sources.items():
            path = os.path.join(folder, name.replace('/', '_'))
            with open(path, 'w') as f:
                f.write(text)
            subprocess.run(['cc', '-c', path, '-o', path + '.o'], check=True)
            objects[name] = path + '.o'
        found = loops(objects)
        if len(found) != 1 or not found[0][0].endswith('d/a.c, d/b.c'):
            sys.exit('file_graph.py: the self test found %r, not the loop a <-> b' % found)


def main():
    source, build = sys.argv[1], sys.argv[2]
    self_test()
    problems = include_problems(source)
    objects = project_objects(source, build)
    if len([o for o in objects if o.startswith('services/')]) < 20:
        problems.append('too few object files under %s: build it first' % build)
    for lines in loops(objects):
        problems.extend(lines)
    for line in problems:
        print(line)
    if problems:
        sys.exit(1)
    print('file graph: common/ sees no application header; no loop between the files of a folder'
          ' (%d files)' % len(objects))


if __name__ == '__main__':
    main()

"""Builds the training corpus from permissively licensed source code installed on this machine.

    python3 tools/train/corpus.py --out /tmp/train/corpus [--node-modules node_modules]

Sources (see SOURCES below): Debian packages whose copyright file states a permissive licence
for their files (CPython's standard library, numpy, PyTorch, SymPy, Pygments, pip, the Go
standard library, Boost headers, ...) and the npm packages under node_modules/ whose
package.json licence is MIT, Apache-2.0, BSD or ISC (others are listed as skipped).

Writes into --out:
  train.jsonl, heldout.jsonl   one document per line: {"source", "path", "lang", "text"}
  manifest.json                every source (package, version, licence and where the licence was
                               read, files and bytes kept, per language), what was skipped and why,
                               the filters and the split rule, and totals

Every choice is deterministic (sorted walks, hashes of paths), so the same machine gives the
same corpus. Files are deduplicated by the SHA-256 of their bytes (first occurrence in source
order wins) before the split, so no held-out file has a copy in the training split. The
held-out split takes about 2% of files, chosen by a hash of "source/path", and is never trained
on: train.py reads train.* only, bench/model_eval reads heldout.*.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import re
import subprocess
import sys

# Extensions kept, and the language each one counts as.
LANGUAGES = {
    ".py": "python",
    ".go": "go",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".ipp": "cpp",
}

# Licences accepted (SPDX ids, and the names Debian copyright files use for the same licences).
PERMISSIVE = {
    "MIT", "Expat", "ISC", "Apache-2.0", "Apache", "BSD-2-Clause", "BSD-3-Clause", "0BSD",
    "PSF-2.0", "BSL-1.0", "Go",
}

HELDOUT_PER_MILLE = 20  # about 2% of files
MIN_BYTES = 64
MAX_BYTES = 256 * 1024  # larger files are nearly always generated tables
MAX_LINE = 1000  # a longer line means minified or generated code
MAX_MEAN_LINE = 120

# The texts of the vocabulary's control tokens (<|endoftext|>, <fim_prefix>, <file_sep>, ...).
# Tokenizing with special-token parsing would turn them into control tokens, so a file that
# spells one is left out (tokenize_corpus.py relies on this to split batches at <|endoftext|>).
CONTROL_TOKEN_PATTERN = re.compile(
    r"<\|endoftext\|>|<fim_(prefix|middle|suffix|pad)>|<repo_name>|<file_sep>|<issue_\w+>|"
    r"<jupyter_\w+>|<empty_output>|<code_to_intermediate>|<intermediate_to_code>|<pr(_\w+)?>|"
    r"<commit_\w+>|<gh_stars>|<filename>|<reponame>")


def _dist_package(module: str, package: str, licence: str, evidence: str | None = None,
                  max_bytes: int | None = None) -> dict:
    """A Python package that Debian installs under dist-packages/MODULE."""
    source = dict(name=module.strip("_").lower(), package=package,
                  root=f"/usr/lib/python3/dist-packages/{module}", licence=licence)
    if evidence:
        source["evidence"] = evidence
    if max_bytes:
        source["max_bytes"] = max_bytes
    return source


# One source: a Debian package (licence read from /usr/share/doc/PACKAGE/copyright) and the tree
# it installed. `licence` is what the copyright file says for its files; `evidence` is a text the
# copyright file must contain, checked at build time (for copyright files not in the
# machine-readable format, where the licence is stated in prose). `max_bytes` caps a large
# source so that no single library dominates its language; files are then taken in hash order.
SOURCES = [
    dict(name="cpython-stdlib", package="libpython3.11-stdlib", root="/usr/lib/python3.11",
         licence="PSF-2.0", evidence="Python Software Foundation",
         exclude=("site-packages", "dist-packages", "test", "lib2to3/tests", "idlelib/idle_test")),
    dict(name="numpy", package="python3-numpy", root="/usr/lib/python3/dist-packages/numpy",
         licence="BSD-3-Clause", evidence="License: BSD-3-Clause"),
    dict(name="torch", package="python3-torch", root="/usr/lib/python3/dist-packages/torch",
         licence="BSD-3-Clause"),
    dict(name="sympy", package="python3-sympy", root="/usr/lib/python3/dist-packages/sympy",
         licence="BSD-3-Clause", max_bytes=20_000_000),
    dict(name="pygments", package="python3-pygments",
         root="/usr/lib/python3/dist-packages/pygments", licence="BSD-2-Clause"),
    dict(name="pip", package="python3-pip", root="/usr/lib/python3/dist-packages/pip",
         licence="Expat"),
    dict(name="setuptools", package="python3-setuptools",
         root="/usr/lib/python3/dist-packages/setuptools", licence="Expat",
         evidence="MIT license"),
    dict(name="mpmath", package="python3-mpmath", root="/usr/lib/python3/dist-packages/mpmath",
         licence="BSD-3-Clause"),
    dict(name="urllib3", package="python3-urllib3",
         root="/usr/lib/python3/dist-packages/urllib3", licence="Expat"),
    dict(name="psutil", package="python3-psutil", root="/usr/lib/python3/dist-packages/psutil",
         licence="BSD-3-Clause"),
    dict(name="oauthlib", package="python3-oauthlib",
         root="/usr/lib/python3/dist-packages/oauthlib", licence="BSD-3-Clause"),
    # Application and framework code (web handlers, ORMs, tests, CLIs), which the scientific
    # libraries above lack. Where the copyright file spells the licence in its own way
    # ("BSD-3", "Apache-2"), `evidence` checks that exact line.
    *[_dist_package(*entry) for entry in (
        ("django", "python3-django", "BSD-3-Clause"),
        ("pandas", "python3-pandas", "BSD-3-Clause", "License: BSD-3\n", 15_000_000),
        ("sqlalchemy", "python3-sqlalchemy", "Expat"),
        ("twisted", "python3-twisted", "Expat"),
        ("tornado", "python3-tornado", "Apache-2.0"),
        ("flask", "python3-flask", "BSD-3-Clause", "License: BSD-3-clause"),
        ("werkzeug", "python3-werkzeug", "BSD-3-Clause", "License: BSD-3-clause"),
        ("requests", "python3-requests", "Apache-2.0", "License: Apache\n"),
        ("networkx", "python3-networkx", "BSD-3-Clause", "License: BSD-3-clause"),
        ("cryptography", "python3-cryptography", "Apache-2.0", "License: Apache\n"),
        ("_pytest", "python3-pytest", "Expat"),
        ("click", "python3-click", "BSD-3-Clause", "License: BSD-3-clause"),
        ("babel", "python3-babel", "BSD-3-Clause", "License: BSD-3-clause"),
        ("IPython", "python3-ipython", "BSD-3-Clause", "License: BSD-3-clause"),
        ("dask", "python3-dask", "BSD-3-Clause"),
        ("attr", "python3-attr", "Expat"),
        ("aiohttp", "python3-aiohttp", "Apache-2.0", "License: Apache-2\n"),
        ("sphinx", "python3-sphinx", "BSD-2-Clause", "License: BSD-2-clause"),
        ("pydantic", "python3-pydantic", "MIT"),
        ("starlette", "python3-starlette", "BSD-3-Clause", "License: BSD-3-clause"),
        ("celery", "python3-celery", "BSD-2-Clause", "License: BSD-2-clause"),
        ("kombu", "python3-kombu", "BSD-3-Clause", "License: BSD-3-clause"),
        ("redis", "python3-redis", "Expat"),
        ("rich", "python3-rich", "MIT"),
        ("httpx", "python3-httpx", "BSD-3-Clause", "License: BSD\n"),
        ("marshmallow", "python3-marshmallow", "Expat"),
        ("alembic", "python3-alembic", "Expat"),
        ("openpyxl", "python3-openpyxl", "MIT"),
        ("bs4", "python3-bs4", "Expat"),
        ("nltk", "python3-nltk", "Apache-2.0"),
        ("gevent", "python3-gevent", "MIT"),
        ("trio", "python3-trio", "Apache-2.0", "License: Apache-2.0 or Expat"),
        ("anyio", "python3-anyio", "Expat"),
        ("mypy", "python3-mypy", "Expat"),
        ("xarray", "python3-xarray", "Apache-2.0"),
        ("scrapy", "python3-scrapy", "BSD-3-Clause", "License: BSD-3-clause"),
        ("pymongo", "python3-pymongo", "Apache-2.0"),
        ("jsonschema", "python3-jsonschema", "MIT"),
        ("markdown", "python3-markdown", "BSD-3-Clause", "License: BSD-3-clause"),
        ("coverage", "python3-coverage", "Apache-2.0", "License: Apache-2\n"),
        ("docker", "python3-docker", "Apache-2.0"),
        ("jedi", "python3-jedi", "Expat"),
        ("parso", "python3-parso", "MIT"),
        ("boto", "python3-boto", "Expat"),
        ("distributed", "python3-distributed", "BSD-3-Clause"),
        ("pyglet", "python3-pyglet", "BSD-3-Clause", "License: BSD-3-clause"),
        ("traitlets", "python3-traitlets", "BSD-3-Clause", "License: BSD-3-clause"),
        ("notebook", "python3-notebook", "BSD-3-Clause", "License: BSD-3-clause"),
        ("jupyter_client", "python3-jupyter-client", "BSD-3-Clause", "License: BSD-3-clause"),
        ("tables", "python3-tables", "BSD-3-Clause"),
        ("patsy", "python3-patsy", "BSD-2-Clause", "License: BSD-2-clause"),
        ("dateutil", "python3-dateutil", "BSD-3-Clause", "License: BSD-3-clause"),
        ("oslo_config", "python3-oslo.config", "Apache-2.0"),
        ("falcon", "python3-falcon", "Apache-2.0", "License: Apache-2\n"),
        ("webob", "python3-webob", "Expat"),
        # More application code, added for the second training stage (models/README.md):
        # OpenStack services and clients, web frameworks and their plugins, database drivers,
        # tools. The large OpenStack services are capped so that one project's idioms do not
        # dominate.
        ("cinder", "python3-cinder", "Apache-2.0", "License: Apache-2\n", 8_000_000),
        ("nova", "python3-nova", "Apache-2.0", "License: Apache-2\n", 8_000_000),
        ("manila", "python3-manila", "Apache-2.0", "License: Apache-2\n", 6_000_000),
        ("kubernetes", "python3-kubernetes", "Apache-2.0", "License: Apache-2\n", 3_000_000),
        ("ironic", "python3-ironic", "Apache-2.0", "License: Apache-2\n", 6_000_000),
        ("heat", "python3-heat", "Apache-2.0", "License: Apache-2\n", 6_000_000),
        ("pydicom", "python3-pydicom", "Expat", None, 3_000_000),
        ("octavia", "python3-octavia", "Apache-2.0"),
        ("keystone", "python3-keystone", "Apache-2.0", "License: Apache-2\n"),
        ("libcloud", "python3-libcloud", "Apache-2.0"),
        ("openstack", "python3-openstacksdk", "Apache-2.0", "License: Apache-2\n"),
        ("os_ken", "python3-os-ken", "Apache-2.0", "License: Apache-2\n"),
        ("tempest", "python3-tempest", "Apache-2.0", "License: Apache-2\n"),
        ("horizon", "python3-django-horizon", "Apache-2.0"),
        ("openstack_auth", "python3-django-horizon", "Apache-2.0"),
        ("openstack_dashboard", "python3-django-horizon", "Apache-2.0"),
        ("openstackclient", "python3-openstackclient", "Apache-2.0", "License: Apache-2\n"),
        ("spyder", "python3-spyder", "MIT"),
        ("ezdxf", "python3-ezdxf", "Expat"),
        ("glance", "python3-glance", "Apache-2.0", "License: Apache-2\n"),
        ("datalad", "python3-datalad", "Expat"),
        ("senlin", "python3-senlin", "Apache-2.0", "License: Apache-2\n"),
        ("trove", "python3-trove", "Apache-2.0", "License: Apache-2\n"),
        ("electrum", "python3-electrum", "Expat"),
        ("swift", "python3-swift", "Apache-2.0", "License: Apache-2\n"),
        ("telethon", "python3-telethon", "MIT"),
        ("neutron", "python3-neutron", "Apache-2.0"),
        ("magnum", "python3-magnum", "Apache-2.0", "License: Apache-2\n"),
        ("mapproxy", "python3-mapproxy", "Apache-2.0"),
        ("passlib", "python3-passlib", "BSD-3-Clause"),
        ("kafka", "python3-kafka", "Apache-2.0", "License: Apache-2\n"),
        ("novaclient", "python3-novaclient", "Apache-2.0", "License: Apache-2\n"),
        ("prompt_toolkit", "python3-prompt-toolkit", "BSD-3-Clause"),
        ("elasticsearch", "python3-elasticsearch", "Apache-2.0"),
        ("botocore", "python3-botocore", "Apache-2.0"),
        ("keystoneauth1", "python3-keystoneauth1", "Apache-2.0", "License: Apache-2\n"),
        ("cherrypy", "python3-cherrypy3", "BSD-3-Clause"),
        ("zarr", "python3-zarr", "Expat"),
        ("paste", "python3-paste", "Expat"),
        ("oslo_messaging", "python3-oslo.messaging", "Apache-2.0", "License: Apache-2\n"),
        ("allauth", "python3-django-allauth", "MIT"),
        ("imageio", "python3-imageio", "BSD-2-Clause"),
        ("pint", "python3-pint", "BSD-3-Clause", "License: BSD-3-clauses\n"),
        ("eventlet", "python3-eventlet", "Expat"),
        ("oslo_db", "python3-oslo.db", "Apache-2.0", "License: Apache-2\n"),
        ("authlib", "python3-authlib", "BSD-3-Clause"),
        ("jupyter_server", "python3-jupyter-server", "BSD-3-Clause"),
        ("cmd2", "python3-cmd2", "MIT"),
        ("rest_framework", "python3-djangorestframework", "BSD-2-Clause"),
        ("sentry_sdk", "python3-sentry-sdk", "BSD-2-Clause"),
        ("playhouse", "python3-peewee", "Expat"),
        ("fsspec", "python3-fsspec", "BSD-3-Clause"),
        ("pecan", "python3-pecan", "BSD-3-Clause", "License: BSD-3-clauses\n"),
        ("pendulum", "python3-pendulum", "MIT"),
        ("pyasn1", "python3-pyasn1", "BSD-2-Clause"),
        ("websockets", "python3-websockets", "BSD-3-Clause"),
        ("graphene", "python3-graphene", "MIT"),
        ("h2", "python3-h2", "MIT"),
        ("asyncpg", "python3-asyncpg", "Apache-2.0"),
        ("pyflakes", "python3-pyflakes", "MIT"),
        ("rq", "python3-rq", "BSD-2-Clause"),
        ("s3transfer", "python3-s3transfer", "Apache-2.0"),
        ("isort", "python3-isort", "Expat"),
        ("boto3", "python3-boto3", "Apache-2.0"),
        ("arrow", "python3-arrow", "Apache-2.0"),
        ("sqlalchemy_utils", "python3-sqlalchemy-utils", "BSD-3-Clause"),
        ("nbconvert", "python3-nbconvert", "BSD-3-Clause"),
        ("mako", "python3-mako", "Expat"),
        ("gunicorn", "python3-gunicorn", "MIT"),
        ("cliff", "python3-cliff", "Apache-2.0"),
        ("wsme", "python3-wsme", "Expat"),
        ("wsmeext", "python3-wsme", "Expat"),
        ("feedparser", "python3-feedparser", "BSD-2-Clause"),
        ("hpack", "python3-hpack", "MIT"),
        ("watchdog", "python3-watchdog", "Apache-2.0", "License: Apache-2\n"),
        ("markdown_it", "python3-markdown-it", "Expat"),
        ("h11", "python3-h11", "Expat"),
        ("apscheduler", "python3-apscheduler", "Expat"),
        ("tlz", "python3-toolz", "BSD-3-Clause"),
        ("toolz", "python3-toolz", "BSD-3-Clause"),
        ("flake8", "python3-flake8", "Expat"),
        ("loguru", "python3-loguru", "MIT"),
        ("structlog", "python3-structlog", "Apache-2.0", "License: Apache-2.0 or Expat\n"),
        ("simplejson", "python3-simplejson", "MIT"),
        ("nbformat", "python3-nbformat", "BSD-3-Clause"),
        ("uvicorn", "python3-uvicorn", "BSD-3-Clause"),
        ("more_itertools", "python3-more-itertools", "MIT", "License: MIT-style\n"),
        ("prometheus_client", "python3-prometheus-client", "Apache-2.0"),
        ("typer", "python3-typer", "Expat"),
        ("pymysql", "python3-pymysql", "Expat"),
        ("sqlparse", "python3-sqlparse", "BSD-3-Clause", "License: BSD-3\n"),
        ("sortedcontainers", "python3-sortedcontainers", "Apache-2.0"),
        ("responses", "python3-responses", "Apache-2.0"),
        ("stevedore", "python3-stevedore", "Apache-2.0"),
        ("factory", "python3-factory-boy", "MIT"),
        ("cytoolz", "python3-cytoolz", "BSD-3-Clause"),
        ("limits", "python3-limits", "Expat"),
        ("wtforms", "python3-wtforms", "BSD-3-Clause"),
        ("flask_sqlalchemy", "python3-flask-sqlalchemy", "BSD-3-Clause"),
        ("httpretty", "python3-httpretty", "MIT"),
        ("jwt", "python3-jwt", "Expat"),
        ("mistune", "python3-mistune", "BSD-3-Clause"),
        ("tenacity", "python3-tenacity", "Apache-2.0", "License: Apache-2\n"),
        ("aiosqlite", "python3-aiosqlite", "Expat"),
        ("itsdangerous", "python3-itsdangerous", "BSD-3-Clause"),
        ("cachetools", "python3-cachetools", "Expat"),
        ("bcrypt", "python3-bcrypt", "Apache-2.0"),
    )],
    dict(name="go-stdlib", package="golang-1.19-src", root="/usr/share/go-1.19/src",
         licence="Go", evidence="License: Go", exclude=("testdata",)),
    dict(name="boost", package="libboost1.81-dev", root="/usr/include/boost",
         licence="BSL-1.0", max_bytes=40_000_000),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="output folder")
    parser.add_argument("--list-packages", action="store_true",
                        help="print the Debian packages the sources come from, and exit")
    parser.add_argument("--node-modules", default=os.path.join(_repo_root(), "node_modules"),
                        help="npm packages to take MIT/Apache/BSD/ISC sources from")
    parser.add_argument("--max-npm-bytes", type=int, default=4_000_000,
                        help="cap per npm package (bytes)")
    args = parser.parse_args()
    if args.list_packages:
        print(" ".join(sorted({source["package"] for source in SOURCES})))
        return
    if not args.out:
        parser.error("--out is required (the folder to write the corpus into)")
    os.makedirs(args.out, exist_ok=True)

    builder = CorpusBuilder(args.out)
    for source in SOURCES:
        builder.add_debian_source(source)
    builder.add_npm_packages(args.node_modules, args.max_npm_bytes)
    manifest = builder.finish()
    totals = manifest["totals"]
    print(f"corpus: {totals['train']['files']} train files ({totals['train']['bytes']:,} bytes), "
          f"{totals['heldout']['files']} held-out files ({totals['heldout']['bytes']:,} bytes); "
          f"by language: {json.dumps(totals['by_language'])}", file=sys.stderr)


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class CorpusBuilder:
    """Collects files source by source, deduplicates, splits and writes the corpus."""

    def __init__(self, out: str):
        self.out = out
        self.seen_hashes: set[str] = set()
        self.sources: list[dict] = []
        self.skipped_sources: list[dict] = []
        self.files_out = {split: open(os.path.join(out, f"{split}.jsonl"), "w", encoding="utf-8")
                          for split in ("train", "heldout")}
        self.totals = {split: collections.Counter() for split in ("train", "heldout")}
        self.by_language: dict[str, collections.Counter] = collections.defaultdict(
            collections.Counter)
        self.rejected = collections.Counter()

    # --- Debian packages ---------------------------------------------------------------------

    def add_debian_source(self, source: dict) -> None:
        root = source["root"]
        if not os.path.isdir(root):
            self.skipped_sources.append({"name": source["name"],
                                         "reason": f"{root} is not installed"})
            return
        copyright_path = f"/usr/share/doc/{source['package']}/copyright"
        problem = _check_debian_licence(copyright_path, source)
        if problem:
            self.skipped_sources.append({"name": source["name"], "reason": problem})
            return
        version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", source["package"]],
                                 capture_output=True, text=True).stdout.strip()
        paths = _walk(root, source.get("exclude", ()))
        self._add_files(
            {"name": source["name"], "kind": "debian", "package": source["package"],
             "version": version, "root": root, "licence": source["licence"],
             "licence_from": copyright_path},
            root, paths, source.get("max_bytes"))

    # --- npm packages ------------------------------------------------------------------------

    def add_npm_packages(self, node_modules: str, max_bytes: int) -> None:
        if not os.path.isdir(node_modules):
            self.skipped_sources.append({"name": "npm", "reason": f"{node_modules} not found"})
            return
        for package_dir in _npm_package_dirs(node_modules):
            package_json = os.path.join(package_dir, "package.json")
            try:
                with open(package_json, encoding="utf-8") as f:
                    meta = json.load(f)
            except (OSError, ValueError) as error:
                self.skipped_sources.append({"name": package_dir,
                                             "reason": f"package.json: {error}"})
                continue
            # The folder path names a package uniquely (nested copies of one name can differ).
            name = os.path.relpath(package_dir, node_modules)
            licence = _npm_licence(meta)
            if not _permissive_spdx(licence):
                self.skipped_sources.append(
                    {"name": f"npm:{name}",
                     "reason": f"licence {licence!r} is not in the accepted list"})
                continue
            # Nested node_modules folders are packages of their own (visited separately).
            paths = _walk(package_dir, ("node_modules",))
            self._add_files(
                {"name": f"npm:{name}", "kind": "npm", "package": name,
                 "npm_name": meta.get("name", ""), "version": meta.get("version", ""),
                 "root": package_dir, "licence": licence, "licence_from": package_json},
                package_dir, paths, max_bytes)

    # --- shared ------------------------------------------------------------------------------

    def _add_files(self, record: dict, root: str, paths: list[str], max_bytes: int | None) -> None:
        if max_bytes is not None:
            # Take files in the order of a hash of their path, so a cap samples the whole tree.
            paths = sorted(paths, key=lambda p: hash_int(os.path.relpath(p, root)))
        counts = {split: collections.Counter() for split in ("train", "heldout")}
        languages = collections.Counter()
        kept_bytes = 0
        for path in paths:
            if max_bytes is not None and kept_bytes >= max_bytes:
                self.rejected["over the source's cap"] += 1
                continue
            lang = LANGUAGES[_extension(path)]
            text, reason = _read_code(path)
            if text is None:
                self.rejected[reason] += 1
                continue
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if digest in self.seen_hashes:
                self.rejected["duplicate content"] += 1
                continue
            self.seen_hashes.add(digest)
            rel = os.path.relpath(path, root)
            split = "heldout" if hash_int(f"{record['name']}/{rel}") % 1000 < HELDOUT_PER_MILLE \
                else "train"
            nbytes = len(text.encode("utf-8"))
            self.files_out[split].write(json.dumps(
                {"source": record["name"], "path": rel, "lang": lang, "text": text},
                ensure_ascii=False) + "\n")
            counts[split]["files"] += 1
            counts[split]["bytes"] += nbytes
            languages[lang] += nbytes
            self.by_language[lang][split] += nbytes
            self.totals[split]["files"] += 1
            self.totals[split]["bytes"] += nbytes
            kept_bytes += nbytes
        if kept_bytes == 0:
            self.skipped_sources.append({"name": record["name"], "reason": "no code files kept"})
            return
        record.update(files=counts["train"]["files"] + counts["heldout"]["files"],
                      bytes=kept_bytes,
                      train={"files": counts["train"]["files"], "bytes": counts["train"]["bytes"]},
                      heldout={"files": counts["heldout"]["files"],
                               "bytes": counts["heldout"]["bytes"]},
                      bytes_by_language=dict(sorted(languages.items())),
                      capped_at_bytes=max_bytes)
        self.sources.append(record)

    def finish(self) -> dict:
        for f in self.files_out.values():
            f.close()
        manifest = {
            "description": "Ward starter model corpus: permissively licensed source code "
                           "installed from Debian packages and npm (tools/train/corpus.py)",
            "accepted_licences": sorted(PERMISSIVE),
            "filters": {
                "extensions": LANGUAGES,
                "min_bytes": MIN_BYTES, "max_bytes": MAX_BYTES, "max_line_length": MAX_LINE,
                "max_mean_line_length": MAX_MEAN_LINE,
                "utf8_only": True,
                "dropped_if_contains_control_token_text": CONTROL_TOKEN_PATTERN.pattern,
                "dedup": "SHA-256 of the file's bytes, first occurrence kept",
            },
            "split": f"heldout if int(sha256('SOURCE/PATH')[:16], 16) % 1000 < {HELDOUT_PER_MILLE}",
            "sources": self.sources,
            "skipped_sources": self.skipped_sources,
            "rejected_files": dict(self.rejected.most_common()),
            "totals": {
                "train": dict(self.totals["train"]), "heldout": dict(self.totals["heldout"]),
                "by_language": {lang: dict(c) for lang, c in sorted(self.by_language.items())},
            },
        }
        with open(os.path.join(self.out, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        return manifest


def _check_debian_licence(copyright_path: str, source: dict) -> str | None:
    """None when the copyright file supports the source's licence, else why not."""
    try:
        with open(copyright_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as error:
        return f"cannot read {copyright_path}: {error}"
    if source["licence"] not in PERMISSIVE:
        return f"licence {source['licence']} is not in the accepted list"
    if "evidence" in source:
        return None if source["evidence"] in text else \
            f"{copyright_path} does not contain {source['evidence']!r}"
    # Machine-readable copyright file: the paragraph for "Files: *" names the main licence.
    for paragraph in text.split("\n\n"):
        if re.search(r"^Files:\s*\*\s*$", paragraph, re.M):
            match = re.search(r"^License:\s*(\S+)", paragraph, re.M)
            found = match.group(1) if match else ""
            if found.lower() == source["licence"].lower():
                return None
            return f"{copyright_path} gives {found!r} for Files: *, not {source['licence']}"
    return f"{copyright_path} has no 'Files: *' paragraph"


def _npm_package_dirs(node_modules: str) -> list[str]:
    """Every package folder under node_modules: node_modules/NAME and node_modules/@SCOPE/NAME,
    at any depth of nesting (a package's own node_modules holds packages too)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(node_modules):
        dirnames.sort()
        parent = os.path.dirname(dirpath)
        in_node_modules = os.path.basename(parent) == "node_modules"
        in_scope = (os.path.basename(parent).startswith("@") and
                    os.path.basename(os.path.dirname(parent)) == "node_modules")
        if "package.json" in filenames and (in_node_modules or in_scope):
            found.append(dirpath)
    return sorted(found)


def _npm_licence(meta: dict) -> str:
    licence = meta.get("license")
    if isinstance(licence, dict):
        licence = licence.get("type")
    if licence is None and isinstance(meta.get("licenses"), list):
        licence = " OR ".join(str(item.get("type")) for item in meta["licenses"])
    return str(licence or "none")


def _permissive_spdx(expression: str) -> bool:
    """True when an SPDX expression allows one accepted licence ("MIT", "(BSD-2-Clause OR MIT)")."""
    if " AND " in expression:
        return all(_permissive_spdx(part) for part in expression.strip("()").split(" AND "))
    return any(part.strip("() ") in PERMISSIVE for part in expression.split(" OR "))


def _walk(root: str, exclude: tuple[str, ...]) -> list[str]:
    """Files with a kept extension under root, sorted; `exclude` names folders to skip (a bare
    name anywhere in the tree, or a path relative to root)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames
                             if d not in exclude
                             and os.path.normpath(os.path.join(rel, d)) not in exclude
                             and d != "__pycache__")
        for name in sorted(filenames):
            if _extension(name) in LANGUAGES and not name.endswith((".min.js", ".map")):
                path = os.path.join(dirpath, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    out.append(path)
    return out


def _extension(path: str) -> str:
    return os.path.splitext(path)[1]


def _read_code(path: str) -> tuple[str | None, str]:
    """The file's text, or None and why it was left out."""
    size = os.path.getsize(path)
    if size < MIN_BYTES:
        return None, "smaller than MIN_BYTES"
    if size > MAX_BYTES:
        return None, "larger than MAX_BYTES"
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8"
    if "\0" in text:
        return None, "contains NUL"
    lines = text.split("\n")
    if max(len(line) for line in lines) > MAX_LINE or len(text) / len(lines) > MAX_MEAN_LINE:
        return None, "minified or generated (long lines)"
    if CONTROL_TOKEN_PATTERN.search(text):
        return None, "contains a control token's text"
    return text, ""


def hash_int(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], 16)


if __name__ == "__main__":
    main()

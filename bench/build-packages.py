"""Builds the two 100 MiB packages the upload and download measurements use, into the folder given.

    /usr/bin/python3 bench/build-packages.py <out-dir> <payload-bytes>

- granary-bench-bigpayload-1.0.0-0.conda: a real conda v2 package (noarch: generic) whose payload is one file of
  random, incompressible bytes, made with Debian's conda-package-handling (the library behind `cph create`).
  `cph create` compresses with zstd level 21, which takes ~40 s on 100 MB of random data for no gain; the library
  call below is the same code at level 1.
- granary_bench_bigwheel-1.0.0-py3-none-any.whl: a wheel (stored, not deflated) with the same kind of payload,
  for twine's legacy upload API.

Prints one line per file: `<path> <size> <sha256> <md5>`.
"""

import base64
import hashlib
import json
import os
import sys
import tempfile
import zipfile

from conda_package_handling import api as cph


def digests(path):
    sha256 = hashlib.sha256()
    md5 = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha256.update(chunk)
            md5.update(chunk)
    return sha256.hexdigest(), md5.hexdigest()


def build_conda(out_dir, payload):
    name, version, build = "granary-bench-bigpayload", "1.0.0", "0"
    with tempfile.TemporaryDirectory(dir=out_dir) as prefix:
        os.makedirs(os.path.join(prefix, "info"))
        os.makedirs(os.path.join(prefix, "share", name))
        payload_path = f"share/{name}/payload.bin"
        with open(os.path.join(prefix, payload_path), "wb") as handle:
            handle.write(payload)
        index = {
            "name": name,
            "version": version,
            "build": build,
            "build_number": 0,
            "depends": [],
            "license": "MIT",
            "noarch": "generic",
            "subdir": "noarch",
            "timestamp": 1_700_000_000_000,
        }
        with open(os.path.join(prefix, "info", "index.json"), "w") as handle:
            json.dump(index, handle, indent=2)
        with open(os.path.join(prefix, "info", "about.json"), "w") as handle:
            json.dump({"summary": "100 MiB of random bytes for Granary's upload benchmark", "license": "MIT"}, handle)
        with open(os.path.join(prefix, "info", "files"), "w") as handle:
            handle.write(payload_path + "\n")
        with open(os.path.join(prefix, "info", "paths.json"), "w") as handle:
            json.dump({"paths": [{"_path": payload_path, "path_type": "hardlink", "size_in_bytes": len(payload)}], "paths_version": 1}, handle)
        filename = f"{name}-{version}-{build}.conda"
        cph.create(prefix, None, filename, out_dir, compression_tuple=(".tar.zst", "zstd", "zstd:compression-level=1"))
    return os.path.join(out_dir, filename)


def build_wheel(out_dir, payload):
    name, version = "granary_bench_bigwheel", "1.0.0"
    dist_info = f"{name}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        "Name: granary-bench-bigwheel\n"
        f"Version: {version}\n"
        "Summary: 100 MiB of random bytes for Granary's upload benchmark\n"
        "Requires-Python: >=3.8\n\n"
    ).encode()
    wheel = b"Wheel-Version: 1.0\nGenerator: granary-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    members = [(f"{name}/payload.bin", payload), (f"{dist_info}/METADATA", metadata), (f"{dist_info}/WHEEL", wheel)]
    record = ""
    for member, data in members:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{member},sha256={digest},{len(data)}\n"
    record += f"{dist_info}/RECORD,,\n"
    path = os.path.join(out_dir, f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for member, data in members:
            archive.writestr(member, data)
        archive.writestr(f"{dist_info}/RECORD", record)
    return path


def main():
    out_dir, size = sys.argv[1], int(sys.argv[2])
    for builder in (build_conda, build_wheel):
        path = builder(out_dir, os.urandom(size))
        sha256, md5 = digests(path)
        print(path, os.path.getsize(path), sha256, md5)


if __name__ == "__main__":
    main()

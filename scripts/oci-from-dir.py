#!/usr/bin/env python3
"""Packs a root filesystem directory into a one-layer OCI image layout (gzip layer), for
scripts/bench.sh. Usage: oci-from-dir.py ROOT OUT_DIR"""
import gzip, hashlib, io, json, os, sys, tarfile

root, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)

def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}

raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
    t.add(root, arcname=".")
tar_bytes = raw.getvalue()
layer = blob(gzip.compress(tar_bytes, compresslevel=6, mtime=0))
config = blob(json.dumps({
    "architecture": "amd64", "os": "linux", "config": {"Cmd": ["/usr/local/bin/app"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar_bytes).hexdigest()]},
    "history": [{"created_by": "debootstrap --variant=minbase bookworm"}],
}).encode())
manifest = blob(json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **config),
    "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **layer)],
}).encode())
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.manifest.v1+json", **manifest)]}, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')

"""`make prod-check` passes on deploy/ as committed, and the renderer refuses a site that drifted from it."""

import os
import subprocess
import sys

import pytest

from deploy.render_nginx import SITE, Site, render_site
from tests.chat.servers import REPO_ROOT

pytestmark = [pytest.mark.topology]


def test_prod_check_validates_the_nginx_site_and_the_deploy_settings():
    result = subprocess.run(
        ["bash", "deploy/prod-check.sh"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PY": sys.executable},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deploy/nginx/intranet.conf is valid" in result.stdout
    assert "System check identified no issues" in result.stdout + result.stderr


def test_prod_check_fails_on_a_deploy_warning(tmp_path):
    env_file = tmp_path / "intranet.env"
    env_file.write_text((REPO_ROOT / "deploy" / "intranet.env.example").read_text().replace("HTTPS=1", "HTTPS=0"))
    result = subprocess.run(
        ["bash", "deploy/prod-check.sh"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PY": sys.executable, "ENV_FILE": str(env_file)},
    )  # fmt: skip
    assert result.returncode != 0
    assert "security.W" in result.stdout + result.stderr


def test_the_renderer_changes_only_the_tagged_lines_and_refuses_a_lost_tag(tmp_path):
    site = Site(tmp_path, 8443, 8080, ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"])
    original, rendered = SITE.read_text().splitlines(), render_site(site).splitlines()
    untagged = [line for line in original if "# deploy:" not in line or line.lstrip().startswith("#")]
    assert [line for line in rendered if line in untagged] == untagged  # everything else kept, in order
    assert sum("server 127.0.0.1:900" in line for line in rendered) == 3
    with pytest.raises(ValueError, match="lacks the tagged lines"):
        render_site(site, SITE.read_text().replace("# deploy: MEDIA_ROOT", ""))

"""Module trees as Terraform reads them: a folder, a zip; local modules followed, bounded."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.kb.loader import load
from bot.matrix import archive
from bot.matrix.archive import gather_folder, read_archive, read_tree, zip_files
from bot.matrix.iac import map_resources
from bot.matrix.reader import read_isolated, read_isolated_file
from bot.matrix.template import TemplateError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "iac"
KB = load()


def zipped(files: dict[str, str | bytes]) -> bytes:
    return zip_files({k: v.encode() if isinstance(v, str) else v for k, v in files.items()})


def test_a_folder_is_read_as_terraform_reads_it_local_modules_followed():
    template = read_tree("payments", *gather_folder(FIXTURES / "payments"))
    assert template.files == (
        "iam.tf",
        "main.tf",
        "outputs.tf.json",
        "variables.tf",
        "modules/queue/main.tf",
        "modules/database/main.tf",
        "modules/database/alarms/main.tf",
    )
    names = [r.name for r in template.resources]
    assert "module.jobs.aws_sqs_queue.dead" in names
    assert "module.ledger.module.alarms.aws_cloudwatch_metric_alarm.cpu" in names
    followed = {m.name: m.source for m in template.modules if m.followed}
    assert followed == {
        "jobs": "./modules/queue",
        "ledger": "./modules/database",
        "ledger.module.alarms": "./alarms",
    }
    assert {m.name: m.kind for m in template.not_followed} == {"vpc": "registry", "cdn": "remote"}


def test_the_folders_stack_separates_services_other_providers_and_modules_not_read():
    stack = map_resources(KB, read_isolated_file(FIXTURES / "payments"))
    assert [s.id for s in stack.services] == ["iam", "lambda", "sqs", "vpc", "rds", "cloudwatch"]
    assert stack.unknown == ()
    assert {t.type for t in stack.apart} == {"null_resource", "random_password"}
    assert stack.summary() == (
        "payments/ (Terraform): 11 resources → 6 services, 3 modules followed; 2 modules not read"
    )
    assert "terraform show -json" in stack.complete_answer


def test_a_root_that_only_calls_modules_names_them_and_the_plan_route(tmp_path):
    (tmp_path / "main.tf").write_text(
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
        'module "eks" {\n  source = "terraform-aws-modules/eks/aws"\n}\n'
    )
    result = CliRunner().invoke(cli, ["matrix", "--from", str(tmp_path)])
    assert result.exit_code == 1
    assert "its resources are in modules ofin did not read" in result.output
    assert "module.vpc (terraform-aws-modules/vpc/aws): a registry module" in result.output
    assert "terraform show -json plan.out > plan.json" in result.output


def test_a_local_module_outside_the_folder_is_named_not_guessed(tmp_path):
    (tmp_path / "main.tf").write_text('module "x" {\n  source = "./missing"\n}\n')
    template = read_tree("t", *gather_folder(tmp_path))
    assert [(m.name, m.followed) for m in template.modules] == [("x", False)]
    assert "not in what ofin was given" in template.modules[0].why


def test_a_folder_without_terraform_points_at_the_modules_below(tmp_path):
    (tmp_path / "live" / "prod").mkdir(parents=True)
    (tmp_path / "live" / "prod" / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    with pytest.raises(TemplateError) as caught:
        read_isolated_file(tmp_path)
    assert str(caught.value).endswith(f"Terraform reads one folder; try {tmp_path.name}/live/prod")


def test_module_depth_and_cycles_are_bounded(tmp_path):
    files = {"main.tf": 'module "m0" {\n  source = "./m0"\n}\n'}
    for i in range(8):
        folder = "/".join(f"m{j}" for j in range(i + 1))
        files[f"{folder}/main.tf"] = (
            f'resource "aws_sqs_queue" "q{i}" {{}}\n'
            f'module "m{i + 1}" {{\n  source = "./m{i + 1}"\n}}\n'
        )
    template = read_tree("deep", {k: v.encode() for k, v in files.items()})
    assert len(template.resources) == archive.MAX_MODULE_DEPTH
    assert "modules deep" in template.not_followed[0].why
    loop = read_tree("loop", {"main.tf": b'module "self" {\n  source = "./"\n}\n'})
    assert "calls itself" in loop.modules[0].why


def test_a_zip_of_a_module_tree_is_read_from_its_shallowest_module():
    data = zipped(
        {
            "payments/main.tf": 'module "q" {\n  source = "./modules/q"\n}\n',
            "payments/modules/q/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
            "payments/README.md": "# not read",
            "__MACOSX/payments/._main.tf": b"\x00\x05\x16\x07",
        }
    )
    template = read_isolated("payments.zip", data)
    assert [r.name for r in template.resources] == ["module.q.aws_sqs_queue.q"]
    assert template.files == ("payments/main.tf", "payments/modules/q/main.tf")


def test_a_zip_of_templates_follows_the_nested_stacks_it_holds():
    folder = FIXTURES / "nested"
    data = zipped({p.name: p.read_bytes() for p in folder.iterdir()})
    stack = map_resources(KB, read_archive("orders.zip", data))
    assert {m.name: m.followed for m in stack.template.modules} == {
        "Network": True,
        "Reporting": False,
    }
    assert "nat-gateway" in [s.id for s in stack.services]
    assert [t.type for t in stack.unknown] == ["AWS::CodeCommit::Repository"]


def test_a_parse_error_inside_a_zip_names_the_file_and_line():
    data = zipped({"infra/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = \n}\n'})
    with pytest.raises(TemplateError) as caught:
        read_isolated("infra.zip", data)
    assert str(caught.value).startswith("infra/main.tf:2: invalid Terraform: expected a value")


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({f"f{i}.txt": "x" for i in range(archive.MAX_ENTRIES + 1)}, "entries; ofin opens zips"),
        ({"/".join(["d"] * 20) + "/main.tf": "x"}, "deeper than 16 folders"),
        ({f"m{i}.tf": "#" * 900_000 for i in range(6)}, "more than ofin reads at once"),
    ],
)
def test_a_zip_past_the_bounds_is_refused_with_a_reason(files, says):
    with pytest.raises(TemplateError) as caught:
        read_archive("big.zip", zipped(files))
    assert says in str(caught.value)


def test_a_zip_bomb_is_read_no_further_than_the_bound():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for i in range(6):  # 6 x 1 MB of zeros in a few KB: never more than 4 MB is inflated
            bomb.writestr(f"z{i}.tf", b"#" * (1024 * 1024 - 1))
    with pytest.raises(TemplateError) as caught:
        read_archive("bomb.zip", out.getvalue())
    assert "more than ofin reads at once" in str(caught.value)


def test_not_a_zip_says_so():
    with pytest.raises(TemplateError) as caught:
        read_archive("x.zip", b"PK\x03\x04 broken")
    assert "not a zip file" in str(caught.value)


def test_the_cli_reads_a_zip_over_one_megabyte_up_to_the_trees_bound(tmp_path):
    files = {"main.tf": 'resource "aws_sqs_queue" "q" {}\n'}
    files.update({f"docs/n{i}.json": f'{{"a": "{i}"}}\n' * 40_000 for i in range(3)})
    path = tmp_path / "infra.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as stored:  # no compression: > 1 MB
        for name, text in files.items():
            stored.writestr(name, text)
    assert path.stat().st_size > 1024 * 1024
    template = read_isolated_file(path)
    assert [r.type for r in template.resources] == ["aws_sqs_queue"]


def test_format_json_says_what_was_read():
    result = CliRunner().invoke(
        cli, ["matrix", "--from", str(FIXTURES / "payments"), "--format", "json"]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    template = data["template"]
    assert template["tool"] == "terraform" and template["kind"] == "Terraform"
    assert template["resources"] == 11 and template["aws_resources"] == 9
    assert template["mapped_resources"] == 9 and template["mapped_share"] == 1.0
    assert {"type": "aws_sqs_queue", "count": 2, "service": "sqs"} in template["mapped"]
    assert template["unmapped"] == []
    assert {a["type"] for a in template["apart"]} == {"null_resource", "random_password"}
    modules = template["modules"]
    assert [m["name"] for m in modules["followed"]] == ["jobs", "ledger", "ledger.module.alarms"]
    assert [m["name"] for m in modules["not_followed"]] == ["vpc", "cdn"]
    assert "terraform show -json" in modules["complete_answer"]
    assert data["services"] == ["iam", "lambda", "sqs", "vpc", "rds", "cloudwatch"]


def test_format_json_without_any_service_still_says_what_was_read(tmp_path):
    (tmp_path / "main.tf").write_text(
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
    )
    result = CliRunner().invoke(cli, ["matrix", "--from", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    template = json.loads(result.stdout)["template"]
    assert template["resources"] == 0 and template["mapped_share"] is None
    assert template["modules"]["not_followed"][0]["kind"] == "registry"

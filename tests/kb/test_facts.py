"""Facts the knowledge base states in more than one place must agree."""

from __future__ import annotations

from bot.kb.loader import load

KB = load()


def test_always_on_encryption_is_aws_in_the_generic_encryption_item_too() -> None:
    """A service that encrypts at rest by itself must not be "yours" when asked generically."""
    always = KB.item("encryption-on-by-default")
    generic = KB.item("server-side-encryption")
    assert always is not None and generic is not None
    assert always.services, "the item names the services that encrypt by themselves"
    assert [s for s in always.services if generic.owner_for(s) != always.owner_for(s)] == []


def test_every_source_is_a_docs_or_aws_page_and_none_points_at_a_retired_guide() -> None:
    """Sources cite AWS's own pages; the Snow device guide that moved is not cited any more."""
    sources = {src for item in KB.items for src in item.sources}
    sources |= {src for service in KB.services for src in service.sources}
    assert all(
        src.startswith(("https://docs.aws.amazon.com/", "https://aws.amazon.com/"))
        for src in sources
    )
    assert not [src for src in sources if "/snow/latest/swsbe-pack/" in src]


def test_the_new_services_have_two_quiz_questions_and_resource_types() -> None:
    for service_id in (
        "application-auto-scaling",
        "acm-pca",
        "dms",
        "service-catalog",
        "site-to-site-vpn",
    ):
        service = KB.service(service_id)
        assert service is not None, service_id
        questions = [q for q in KB.quiz_questions if q.service == service_id]
        assert len(questions) >= 2, service_id
        tools = {t.tool for t in KB.resource_types if t.service == service_id}
        assert tools == {"cloudformation", "terraform"}, service_id

"""Demo data for search: index what the other steps loaded in bulk (posts, comments, chat history)."""

from apps.core.demo import DemoContext, demo_step

from .index import index_missing


@demo_step(
    "search.index",
    after=[
        "feed.posts",
        "chat.history",
        "voting.boards",
        "questions.questions",
        "people.org_chart",
        "policies.policies",
    ],
    atomic=False,
)
def index_demo_data(ctx: DemoContext) -> str:
    return f"{index_missing()} documents indexed"

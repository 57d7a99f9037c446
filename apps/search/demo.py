"""Demo data for search: index what the other steps loaded in bulk (posts, comments, chat history)."""

from django.core.management.base import CommandParser

from apps.core.demo import DemoContext, demo_step

from .index import index_missing


def _arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--no-search-index",
        action="store_true",
        help="Leave the search index alone (benchmarks build it afterwards, timed, with `search_index`).",
    )


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
    arguments=_arguments,
    atomic=False,
)
def index_demo_data(ctx: DemoContext) -> str | None:
    if ctx.options.get("no_search_index"):
        return None
    return f"{index_missing()} documents indexed"

"""Admin pages for moderation. Ballots and participations are deliberately not registered:
who voted what in an anonymous poll must not be visible anywhere, admins included."""

from django.contrib import admin

from .models import Idea, IdeaComment, Poll, PollOption


class IdeaCommentInline(admin.TabularInline):
    model = IdeaComment
    fields = ["author", "body", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 0


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "status", "vote_count", "comment_count", "merged_into", "created_at"]
    list_filter = ["status", "department"]
    search_fields = ["title", "description"]
    list_select_related = ["department", "merged_into"]
    raw_id_fields = ["author", "merged_into"]
    # Statuses change through the board (history, notifications), not here.
    readonly_fields = ["status", "vote_count", "trending_score", "comment_count", "merged_at", "description_html"]
    inlines = [IdeaCommentInline]


class PollOptionInline(admin.TabularInline):
    model = PollOption
    fields = ["position", "label"]
    extra = 0


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["question", "department", "kind", "is_anonymous", "ballot_count", "closes_at"]
    list_filter = ["kind", "is_anonymous", "department"]
    search_fields = ["question"]
    list_select_related = ["department"]
    raw_id_fields = ["author"]
    readonly_fields = ["ballot_count", "description_html"]
    inlines = [PollOptionInline]

    def get_readonly_fields(self, request, obj=None):
        # Ballots already cast were stored for this kind and this anonymity: neither may change under them.
        fixed = ["kind", "is_anonymous"] if obj is not None else []
        return [*self.readonly_fields, *fixed]

"""A video announcement's card in the feed: the poster, title, duration and a play link.

`_announce` posts "New video: [title](/videos/<id>/)" in the video's department; the feed's
cached card of that post gets this block (`apps.feed.cards.register_card_extra`). The card is
cached once for every reader of the post, so it may show only what they all may see: the
post and the video are in the same department (readers alike) and the block appears only
while the video is ready and not deleted; the poster itself is served by the authorised
media view, which checks `can_read_video_file` on every request. Services that change what
the block shows (`video_update`, `video_delete`) call `forget_card`.
"""

from django.template.loader import render_to_string

from .models import Video


def attach_video_cards(posts: list) -> None:
    """One query for the whole page: the ready videos these posts announce."""
    by_id = {post.pk: post for post in posts}
    if not by_id:
        return
    for video in Video.objects.ready().filter(announced_post_id__in=by_id, deleted_at__isnull=True):
        post = by_id[video.announced_post_id]
        if video.department_id != post.department_id:  # never: but then the readers could differ
            continue
        post.card_extras.append(render_to_string("videos/_feed_card.html", {"video": video}))


def forget_card(video: Video) -> None:
    """The announcement's cached cards go when the transaction that changed the video commits."""
    if video.announced_post_id:
        from apps.feed.cards import forget

        forget(video.announced_post_id, video.department_id)

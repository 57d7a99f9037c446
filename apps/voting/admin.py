"""Ideas and polls are not on the admin site.

They are a department's content, which admins read only as members (apps.departments.access;
DESIGN.md): the admin site would show every department's ideas and polls to every admin and
change them without the services (history, notifications, the rendered text). Moderation is on
the boards, by the department's managers. Ballots and participations were never registered:
who voted what in an anonymous poll must not be visible anywhere, admins included.
"""

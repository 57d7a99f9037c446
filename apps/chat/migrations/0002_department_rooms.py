from django.db import migrations


def create_department_rooms(apps, schema_editor):
    """Every existing department gets its chat room (new ones get it from department_create)."""
    Department = apps.get_model("departments", "Department")
    Room = apps.get_model("chat", "Room")
    Room.objects.bulk_create(
        [Room(kind="department", department=d) for d in Department.objects.filter(chat_room__isnull=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial")]

    operations = [migrations.RunPython(create_department_rooms, migrations.RunPython.noop)]

from django.db import migrations


def forwards(apps, schema_editor):
    from apps.search.ddl import create_text_index

    create_text_index(schema_editor.connection)


def backwards(apps, schema_editor):
    from apps.search.ddl import drop_text_index

    drop_text_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]

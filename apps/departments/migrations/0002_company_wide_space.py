from django.db import migrations


def create_all_staff(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    if not Department.objects.filter(is_company_wide=True).exists():
        Department.objects.create(
            name="All staff",
            slug="all-staff",
            is_company_wide=True,
            description="News and people for the whole company.",
        )


class Migration(migrations.Migration):
    dependencies = [("departments", "0001_initial")]
    operations = [migrations.RunPython(create_all_staff, migrations.RunPython.noop)]

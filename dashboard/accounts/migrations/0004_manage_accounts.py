"""Supervisors manage accounts (create, give a role, deactivate) on /people/; account
changes are audited; the unused "upload" action is gone."""

from django.db import migrations, models

# Frozen copies: a migration must not change when roles.py later does.
CODENAME, NAME = "manage_accounts", "Can create accounts, give them a role and deactivate them"


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="auditentry")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )
    group, _ = Group.objects.get_or_create(name="Supervisor")
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename=CODENAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_wallboard_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "default_permissions": ("view",),
                "ordering": ["-at", "-id"],
                "permissions": [
                    ("view_conversations", "Can view conversations and their messages"),
                    (
                        "send_messages",
                        "Can reply, send templates and media, and start conversations",
                    ),
                    ("react", "Can react to messages"),
                    ("reassign", "Can reassign conversations"),
                    ("close", "Can close conversations"),
                    ("mark_read", "Can mark conversations read"),
                    ("view_audit", "Can view the audit log"),
                    ("view_wallboard", "Can view the wallboard"),
                    ("manage_kiosk_links", "Can create and revoke wallboard kiosk links"),
                    (
                        "manage_accounts",
                        "Can create accounts, give them a role and deactivate them",
                    ),
                ],
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit log",
            },
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("reply", "Replied"),
                    ("send_new", "Started a conversation"),
                    ("react", "Reacted"),
                    ("unreact", "Removed a reaction"),
                    ("reassign", "Reassigned"),
                    ("close", "Closed"),
                    ("mark_read", "Marked read"),
                    ("kiosk_create", "Created a kiosk link"),
                    ("kiosk_revoke", "Revoked a kiosk link"),
                    ("account_create", "Created an account"),
                    ("account_change", "Changed an account"),
                ],
                db_index=True,
                max_length=16,
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]

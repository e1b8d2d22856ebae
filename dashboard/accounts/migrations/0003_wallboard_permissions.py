"""The wallboard's permissions: every role may view it; supervisors manage kiosk links."""

from django.db import migrations, models

# Frozen copies: a migration must not change when roles.py later does.
PERMISSIONS = {
    "view_wallboard": "Can view the wallboard",
    "manage_kiosk_links": "Can create and revoke wallboard kiosk links",
}
GRANTS = {
    "Supervisor": ("view_wallboard", "manage_kiosk_links"),
    "Team lead": ("view_wallboard",),
    "Viewer": ("view_wallboard",),
}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="auditentry")
    permissions = {
        codename: Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in PERMISSIONS.items()
    }
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(permissions[c] for c in codenames))


def revoke(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename__in=PERMISSIONS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
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
                    ("upload", "Uploaded media"),
                    ("react", "Reacted"),
                    ("unreact", "Removed a reaction"),
                    ("reassign", "Reassigned"),
                    ("close", "Closed"),
                    ("mark_read", "Marked read"),
                    ("kiosk_create", "Created a kiosk link"),
                    ("kiosk_revoke", "Revoked a kiosk link"),
                ],
                db_index=True,
                max_length=16,
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]

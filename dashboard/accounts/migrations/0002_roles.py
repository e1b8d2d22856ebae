"""Create the Supervisor, Team lead and Viewer groups with their permissions."""

from django.db import migrations

# Frozen copies: a migration must not change when roles.py later does.
PERMISSIONS = {
    "view_conversations": "Can view conversations and their messages",
    "send_messages": "Can reply, send templates and media, and start conversations",
    "react": "Can react to messages",
    "reassign": "Can reassign conversations",
    "close": "Can close conversations",
    "mark_read": "Can mark conversations read",
    "view_audit": "Can view the audit log",
}
ROLES = {
    "Supervisor": (*PERMISSIONS, "view_auditentry"),
    "Team lead": ("view_conversations", "reassign", "close", "mark_read"),
    "Viewer": ("view_conversations",),
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Permissions are normally made after all migrations (post_migrate); make them now.
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="auditentry")
    names = {**PERMISSIONS, "view_auditentry": "Can view audit entry"}
    permissions = {
        codename: Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in names.items()
    }
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(permissions[c] for c in codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

"""/start, /help, /lang and /types."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.storage import users
from bot.telegram.context import remember_user, services, user_lang
from bot.telegram.keyboards import language_keyboard, parse_callback, types_keyboard


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome, what is stored and for how long, and the language choice."""
    await remember_user(update, context)
    s = services(context)
    lang = await user_lang(update, context)
    if update.effective_user:
        await users.record_consent(s.db, update.effective_user.id)
    await update.effective_message.reply_text(s.text("start.welcome", lang, days=s.config.privacy.retention_days))
    await update.effective_message.reply_text(s.text("start.choose_lang", lang), reply_markup=language_keyboard())


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to use the bot."""
    lang = await user_lang(update, context)
    await update.effective_message.reply_text(services(context).text("help.text", lang))


async def lang_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the language choice."""
    lang = await user_lang(update, context)
    await update.effective_message.reply_text(services(context).text("start.choose_lang", lang),
                                              reply_markup=language_keyboard())


async def lang_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the chosen language."""
    query = update.callback_query
    _, args = parse_callback(query.data)
    lang = "en" if args and args[0] == "en" else "zh"
    await remember_user(update, context)
    await users.set_lang(services(context).db, query.from_user.id, lang)
    if context.user_data is not None:
        context.user_data["lang"] = lang
    await query.answer()
    await query.edit_message_text(services(context).text("lang.set", lang))


async def types_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Browse the scam types."""
    s = services(context)
    lang = await user_lang(update, context)
    titles = [(type_id, info.title.get(lang)) for type_id, info in s.content.scam_types.items()]
    await update.effective_message.reply_text(s.text("types.intro", lang), reply_markup=types_keyboard(titles))


async def type_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show one scam type's signs and advice."""
    query = update.callback_query
    s = services(context)
    lang = await user_lang(update, context)
    _, args = parse_callback(query.data)
    info = s.content.scam_types.get(args[0]) if args else None
    if info is None:
        await query.answer(s.text("callback.expired", lang), show_alert=False)
        return
    await query.answer()
    signs = "\n".join(f"• {sign}" for sign in info.signs.get(lang))
    await query.message.reply_text(s.text("types.detail", lang, title=info.title.get(lang), signs=signs,
                                          advice=info.advice.get(lang)))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CommandHandler("lang", lang_command),
        CommandHandler("types", types_command),
        CallbackQueryHandler(lang_chosen, pattern=r"^lang:"),
        CallbackQueryHandler(type_chosen, pattern=r"^type:"),
    ]

<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdapterRow</name>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Checking against the loaded model…</source>
        <translation>正在与已加载的模型核对…</translation>
    </message>
    <message>
        <source>No model loaded: not checked yet</source>
        <translation>尚未加载模型：还没有检查</translation>
    </message>
    <message>
        <source>Fits the loaded model</source>
        <translation>适用于已加载的模型</translation>
    </message>
    <message>
        <source>Refused: </source>
        <translation>已拒绝：</translation>
    </message>
</context>
<context>
    <name>AdaptersPanel</name>
    <message>
        <source>Add adapter…</source>
        <translation>添加适配器…</translation>
    </message>
    <message>
        <source>Open a chat to choose the adapters its answers use.</source>
        <translation>打开一个对话，为它的回答选择适配器。</translation>
    </message>
    <message>
        <source>This chat's answers use the adapters switched on below, and these, which are not in the library: </source>
        <translation>本对话的回答使用下面已开启的适配器，以及这些不在库中的适配器：</translation>
    </message>
    <message>
        <source>Switched on: the adapters this chat's answers use.</source>
        <translation>已开启：本对话的回答所用的适配器。</translation>
    </message>
    <message>
        <source>Not added: </source>
        <translation>未添加：</translation>
    </message>
    <message>
        <source>Added </source>
        <translation>已添加 </translation>
    </message>
    <message>
        <source>Remove adapter</source>
        <translation>移除适配器</translation>
    </message>
    <message>
        <source>Also delete the file {0}? (No keeps the file.)</source>
        <translation>同时删除文件 {0}？（选“否”会保留文件。）</translation>
    </message>
    <message>
        <source>Add a LoRA adapter</source>
        <translation>添加 LoRA 适配器</translation>
    </message>
    <message>
        <source>GGUF adapters (*.gguf)</source>
        <translation>GGUF 适配器 (*.gguf)</translation>
    </message>
</context>
<context>
    <name>AttachBar</name>
    <message>
        <source>Indexing progress</source>
        <translation>索引进度</translation>
    </message>
    <message>
        <source>Stop indexing after this file (files already read stay attached)</source>
        <translation>处理完这个文件后停止索引（已读取的文件仍然保留）</translation>
    </message>
    <message>
        <source>Stop indexing</source>
        <translation>停止索引</translation>
    </message>
    <message>
        <source>Stopping after this file…</source>
        <translation>处理完这个文件后停止…</translation>
    </message>
    <message>
        <source>Preparing to index %s…</source>
        <translation>正在准备索引 %s…</translation>
    </message>
    <message>
        <source>Indexing %s (%d of %d)…</source>
        <translation>正在索引 %s（%d / %d）…</translation>
    </message>
    <message>
        <source>Indexing stopped: %d files added to “%s”, the others not.</source>
        <translation>已停止索引：%d 个文件已加入“%s”，其余的没有加入。</translation>
    </message>
    <message>
        <source>No file to add was found in what you attached.</source>
        <translation>你附加的内容中没有找到可添加的文件。</translation>
    </message>
    <message>
        <source>%s (%s)</source>
        <translation>%s（%s）</translation>
    </message>
    <message>
        <source>Could not add %s to “%s”.</source>
        <translation>无法把 %s 加入“%s”。</translation>
    </message>
    <message>
        <source>Added %s to “%s”; answers in this chat search it.</source>
        <translation>已把 %s 加入“%s”；本对话的回答会检索它。</translation>
    </message>
    <message>
        <source>Added %d files to “%s”; answers in this chat search them.</source>
        <translation>已把 %d 个文件加入“%s”；本对话的回答会检索它们。</translation>
    </message>
</context>
<context>
    <name>BetterAnswerDialog</name>
    <message>
        <source>Write a better answer</source>
        <translation>写一个更好的回答</translation>
    </message>
    <message>
        <source>What should Hearth have answered? Your answer is kept with the question and its passages, marked as a bad answer, for fine-tuning exports and evaluation sets.</source>
        <translation>Hearth 本应怎样回答？你的回答会和问题及其段落一起保存，并标记为差回答，用于微调导出和评测集。</translation>
    </message>
    <message>
        <source>Question: %s</source>
        <translation>问题：%s</translation>
    </message>
    <message>
        <source>Better answer</source>
        <translation>更好的回答</translation>
    </message>
</context>
<context>
    <name>BinDialog</name>
    <message>
        <source>Deleted chats</source>
        <translation>已删除的对话</translation>
    </message>
    <message>
        <source>Deleted chats are kept for %1 days, then erased for good.</source>
        <translation>已删除的对话会保留 %1 天，之后永久清除。</translation>
    </message>
    <message>
        <source>The bin is empty.</source>
        <translation>回收站是空的。</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Delete forever…</source>
        <translation>永久删除…</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>erased within a day</source>
        <translation>一天内清除</translation>
    </message>
    <message>
        <source>erased in %1 days</source>
        <translation>%1 天后清除</translation>
    </message>
    <message>
        <source>deleted %1</source>
        <translation>删除于 %1</translation>
    </message>
    <message>
        <source>Delete forever</source>
        <translation>永久删除</translation>
    </message>
    <message>
        <source>Erase this chat for good? This cannot be undone.</source>
        <translation>永久清除这个对话？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Erase these %1 chats for good? This cannot be undone.</source>
        <translation>永久清除这 %1 个对话？此操作无法撤销。</translation>
    </message>
</context>
<context>
    <name>Chart</name>
    <message>
        <source>No data yet</source>
        <translation>还没有数据</translation>
    </message>
</context>
<context>
    <name>Chat</name>
    <message>
        <source>%d of %d sentences supported</source>
        <translation>%d / %d 句有依据</translation>
    </message>
    <message>
        <source>%.1f tok/s</source>
        <translation>%.1f 词元/秒</translation>
    </message>
    <message>
        <source>first token %.2f s</source>
        <translation>首个词元 %.2f 秒</translation>
    </message>
    <message>
        <source>context %d/%d</source>
        <translation>上下文 %d/%d</translation>
    </message>
    <message>
        <source>%d old turns left out</source>
        <translation>省略了 %d 轮早先的对话</translation>
    </message>
    <message>
        <source>your message was cut to fit the context</source>
        <translation>你的消息被截短以适应上下文</translation>
    </message>
    <message>
        <source>the model was restarted first: %s</source>
        <translation>先重启了模型：%s</translation>
    </message>
    <message>
        <source>Not kept. Checked against your documents: %s</source>
        <translation>未采用。与你的文档核对：%s</translation>
    </message>
    <message>
        <source>Checked against your documents: %s</source>
        <translation>与你的文档核对：%s</translation>
    </message>
    <message>
        <source>Show the kept answer ›</source>
        <translation>显示采用的回答 ›</translation>
    </message>
    <message>
        <source>Show the first answer ›</source>
        <translation>显示第一次的回答 ›</translation>
    </message>
    <message>
        <source>Show the re-answer ›</source>
        <translation>显示重新作答的回答 ›</translation>
    </message>
    <message>
        <source>From general knowledge, not your documents</source>
        <translation>来自常识，而非你的文档</translation>
    </message>
    <message>
        <source>Answer anyway from general knowledge ›</source>
        <translation>仍然根据常识回答 ›</translation>
    </message>
    <message>
        <source>%d tokens</source>
        <translation>%d 个词元</translation>
    </message>
    <message>
        <source>%.1f s</source>
        <translation>%.1f 秒</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>✓ Good</source>
        <translation>✓ 好</translation>
    </message>
    <message>
        <source>✗ Bad</source>
        <translation>✗ 差</translation>
    </message>
    <message>
        <source>, page %d</source>
        <translation>，第 %d 页</translation>
    </message>
    <message>
        <source>page %d</source>
        <translation>第 %d 页</translation>
    </message>
    <message>
        <source>The number %s is in none of the passages.</source>
        <translation>段落中都没有数字 %s。</translation>
    </message>
    <message>
        <source>The name %s is in none of the passages.</source>
        <translation>段落中都没有名称 %s。</translation>
    </message>
    <message>
        <source>The link %s is in none of the passages.</source>
        <translation>段落中都没有链接 %s。</translation>
    </message>
    <message>
        <source>It repeats an instruction found inside a document.</source>
        <translation>它复述了文档中的一条指令。</translation>
    </message>
    <message>
        <source>Retrieved for this question, but the answer does not cite it.</source>
        <translation>为这个问题检索到了，但回答没有引用它。</translation>
    </message>
    <message>
        <source>The passage is on page %d (your viewer may open the file at its first page).</source>
        <translation>该段落在第 %d 页（你的阅读器可能会从第一页打开文件）。</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Write a better answer…</source>
        <translation>写一个更好的回答…</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Hearth</source>
        <translation>Hearth</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>interrupted (Hearth closed while writing it)</source>
        <translation>已中断（写到一半时 Hearth 被关闭）</translation>
    </message>
    <message>
        <source>Copy this code</source>
        <translation>复制这段代码</translation>
    </message>
    <message>
        <source>Ask the model again without your documents; the answer is marked as general knowledge and this one stays (‹ › switches)</source>
        <translation>不用你的文档再问一次模型；新回答会标为常识，这个回答也会保留（用 ‹ › 切换）</translation>
    </message>
    <message>
        <source>Both answers are kept: this shows the other one (branch ‹ › switches back)</source>
        <translation>两个回答都已保留：这里显示另一个（用分支 ‹ › 切换回去）</translation>
    </message>
    <message>
        <source>Your documents do not contain the answer; the model answered from what it learnt in training, unchecked. It may be wrong.</source>
        <translation>你的文档中没有答案；模型根据训练中学到的知识作答，未经核对，可能有误。</translation>
    </message>
    <message>
        <source>Rate this answer bad and write what it should have said (kept for exports and evaluation sets)</source>
        <translation>把这个回答评为差，并写出应有的回答（保存下来，用于导出和评测集）</translation>
    </message>
    <message>
        <source>You rated this answer good (click to take it back)</source>
        <translation>你把这个回答评为好（点击可撤回）</translation>
    </message>
    <message>
        <source>Good answer</source>
        <translation>好回答</translation>
    </message>
    <message>
        <source>You rated this answer bad (click to take it back)</source>
        <translation>你把这个回答评为差（点击可撤回）</translation>
    </message>
    <message>
        <source>Bad answer</source>
        <translation>差回答</translation>
    </message>
    <message>
        <source>Retrieved, not cited:</source>
        <translation>检索到但未引用：</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>The messages of this chat, oldest first; the menu key or a right click offers copy, regenerate and each source's passage</source>
        <translation>本对话的消息，从早到晚排列；按菜单键或右键可复制、重新生成、查看每个来源的段落</translation>
    </message>
    <message>
        <source>Ask anything. Your words stay on this computer.</source>
        <translation>随便问。你说的话只留在这台电脑上。</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line, / lists the templates, Up in the empty box edits the last question</source>
        <translation>Enter 发送，Shift+Enter 换行，/ 列出模板，在空输入框中按 ↑ 编辑上一个问题</translation>
    </message>
    <message>
        <source>Message Hearth (Enter to send, Shift+Enter for a new line, / for templates)</source>
        <translation>给 Hearth 发消息（Enter 发送，Shift+Enter 换行，/ 使用模板）</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the answer (Esc); what was written is kept</source>
        <translation>停止回答（Esc）；已写出的内容会保留</translation>
    </message>
    <message>
        <source>Attach files: they are added to this chat's documents, and answers search them (you can also drop files here)</source>
        <translation>附加文件：它们会加入本对话的文档，回答时会检索它们（也可以把文件拖到这里）</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <source>Your message waits: the attached files are still being indexed.</source>
        <translation>你的消息正在等待：附加的文件还在建立索引。</translation>
    </message>
    <message>
        <source>Attach files to this chat</source>
        <translation>为本对话附加文件</translation>
    </message>
    <message>
        <source>The files were not attached: %s</source>
        <translation>文件未能附加：%s</translation>
    </message>
    <message>
        <source>Waiting for the attached files to be indexed, so the answer can use them</source>
        <translation>正在等待附加的文件建立索引，以便回答能用上它们</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>发送（Enter）</translation>
    </message>
    <message>
        <source>Editing your last question: Enter answers it again on a new branch, Esc cancels.</source>
        <translation>正在编辑你的上一个问题：按 Enter 在新分支上重新回答，按 Esc 取消。</translation>
    </message>
    <message>
        <source>Last answer copied.</source>
        <translation>已复制上一个回答。</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Writing… (Esc to stop)</source>
        <translation>正在写…（按 Esc 停止）</translation>
    </message>
    <message>
        <source>Send to another computer?</source>
        <translation>发送到另一台电脑？</translation>
    </message>
    <message>
        <source>Send this chat to %s?</source>
        <translation>把这个对话发送到 %s？</translation>
    </message>
    <message>
        <source>Your messages in this chat, and passages from your documents, would be sent to the model server %s. Hearth asks once for each server.</source>
        <translation>你在本对话中的消息以及文档中的段落将被发送到模型服务器 %s。每个服务器 Hearth 只询问一次。</translation>
    </message>
    <message>
        <source>Nothing was sent to %s.</source>
        <translation>没有向 %s 发送任何内容。</translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation>已复制。</translation>
    </message>
    <message>
        <source>Copied with the thinking.</source>
        <translation>已连同思考过程一起复制。</translation>
    </message>
    <message>
        <source>Code copied.</source>
        <translation>代码已复制。</translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Your message (the answer is written again on a new branch):</source>
        <translation>你的消息（回答会在新分支上重新生成）：</translation>
    </message>
    <message>
        <source>Your rating was not kept: %s</source>
        <translation>你的评价未能保存：%s</translation>
    </message>
    <message>
        <source>Thanks: kept as a good answer, with the question and its passages.</source>
        <translation>谢谢：已作为好回答保存，连同问题及其段落。</translation>
    </message>
    <message>
        <source>Thanks: kept as a bad answer, with your better answer, the question and its passages.</source>
        <translation>谢谢：已作为差回答保存，连同你写的更好的回答、问题及其段落。</translation>
    </message>
    <message>
        <source>Thanks: kept as a bad answer, with the question and its passages.</source>
        <translation>谢谢：已作为差回答保存，连同问题及其段落。</translation>
    </message>
    <message>
        <source>Rating taken back.</source>
        <translation>已撤回评价。</translation>
    </message>
    <message>
        <source>Showing the answer that was kept.</source>
        <translation>正在显示采用的回答。</translation>
    </message>
    <message>
        <source>Showing the answer that was not kept; ‹ › switches back.</source>
        <translation>正在显示未采用的回答；用 ‹ › 切换回去。</translation>
    </message>
    <message>
        <source>This file is not in any of your document collections, so Hearth does not open it. The passage:</source>
        <translation>这个文件不在你的任何文档集中，所以 Hearth 不会打开它。段落内容：</translation>
    </message>
    <message>
        <source>Opened %s at page %d, the passage highlighted.</source>
        <translation>已打开 %s 的第 %d 页，并高亮了该段落。</translation>
    </message>
    <message>
        <source>Opened %s at the passage.</source>
        <translation>已打开 %s 并定位到该段落。</translation>
    </message>
    <message>
        <source>Passage</source>
        <translation>段落</translation>
    </message>
    <message>
        <source>Page %d:</source>
        <translation>第 %d 页：</translation>
    </message>
    <message>
        <source>Copy with thinking</source>
        <translation>连同思考过程复制</translation>
    </message>
    <message>
        <source>Show passage %d</source>
        <translation>显示段落 %d</translation>
    </message>
</context>
<context>
    <name>ConfigBox</name>
    <message>
        <source>Answer from the set's documents</source>
        <translation>根据评测集的文档回答</translation>
    </message>
    <message>
        <source>hybrid (meaning + words)</source>
        <translation>混合（语义 + 关键词）</translation>
    </message>
    <message>
        <source>meaning only</source>
        <translation>仅语义</translation>
    </message>
    <message>
        <source>words only</source>
        <translation>仅关键词</translation>
    </message>
    <message>
        <source>off (the model's words)</source>
        <translation>关闭（模型原话）</translation>
    </message>
    <message>
        <source>balanced</source>
        <translation>平衡</translation>
    </message>
    <message>
        <source>strict</source>
        <translation>严格</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Passages (k)</source>
        <translation>段落数 (k)</translation>
    </message>
    <message>
        <source>Retrieval</source>
        <translation>检索方式</translation>
    </message>
    <message>
        <source>Grounding</source>
        <translation>依据核对</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Longest answer (tokens)</source>
        <translation>最长回答（词元）</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>模板</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Chat title</source>
        <translation>对话标题</translation>
    </message>
    <message>
        <source>Search chats (Ctrl+K)</source>
        <translation>搜索对话（Ctrl+K）</translation>
    </message>
    <message>
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>撤销删除</translation>
    </message>
    <message>
        <source>Pinned</source>
        <translation>已置顶</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>Previous 7 days</source>
        <translation>过去 7 天</translation>
    </message>
    <message>
        <source>Previous 30 days</source>
        <translation>过去 30 天</translation>
    </message>
    <message>
        <source>Older</source>
        <translation>更早</translation>
    </message>
    <message>
        <source>Deleted chats…</source>
        <translation>已删除的对话…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <source>Pin to top</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <source>Export as JSON (for Import)…</source>
        <translation>导出为 JSON（可再导入）…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Deleted “%s”.</source>
        <translation>已删除“%s”。</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>Chats (*.json)</source>
        <translation>对话 (*.json)</translation>
    </message>
    <message>
        <source>Export chat</source>
        <translation>导出对话</translation>
    </message>
</context>
<context>
    <name>ConversationSettings</name>
    <message>
        <source>Balanced</source>
        <translation>平衡</translation>
    </message>
    <message>
        <source>Says so when the documents do not contain the answer</source>
        <translation>文档中没有答案时会明确说明</translation>
    </message>
    <message>
        <source>Strict</source>
        <translation>严格</translation>
    </message>
    <message>
        <source>Answers from the documents only</source>
        <translation>只根据文档回答</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Shows the model's words as written</source>
        <translation>按原样显示模型写出的内容</translation>
    </message>
    <message>
        <source>Check answers against the documents</source>
        <translation>对照文档核对回答</translation>
    </message>
    <message>
        <source>Re-answer if unsupported</source>
        <translation>无依据时重新作答</translation>
    </message>
    <message>
        <source>When part of an answer is not in the documents, answer once more from the matching sentences and keep the better-supported answer</source>
        <translation>回答中有部分内容在文档里找不到时，根据相符的句子再回答一次，保留依据更充分的那个回答</translation>
    </message>
    <message>
        <source>Let the model double-check</source>
        <translation>让模型再核对一遍</translation>
    </message>
    <message>
        <source>Sentences that the documents do not support word for word are put to the model (yes or no) before they are marked as not found</source>
        <translation>文档中找不到逐字依据的句子，先交给模型判断（是或否），再标记为未找到</translation>
    </message>
    <message>
        <source>Read less (faster)</source>
        <translation>少读一些（更快）</translation>
    </message>
    <message>
        <source>Give the model only the passage sentences that matter for the question: a shorter prompt and a faster first word</source>
        <translation>只把段落中与问题相关的句子交给模型：提示更短，第一个字出来得更快</translation>
    </message>
    <message>
        <source>none (type / in the message box to use one)</source>
        <translation>无（在输入框中输入 / 即可使用模板）</translation>
    </message>
    <message>
        <source>Default system prompt (from Settings)</source>
        <translation>默认系统提示（来自设置）</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Check answers</source>
        <translation>核对回答</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>Longest answer (tokens)</source>
        <translation>最长回答（词元）</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
</context>
<context>
    <name>DocumentsPanel</name>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>More</source>
        <translation>更多</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Re-index all files</source>
        <translation>重新索引全部文件</translation>
    </message>
    <message>
        <source>Delete collection…</source>
        <translation>删除文档集…</translation>
    </message>
    <message>
        <source>No collections yet</source>
        <translation>还没有文档集</translation>
    </message>
    <message>
        <source>Add files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Watch added folders for changes</source>
        <translation>监视已添加的文件夹的变化</translation>
    </message>
    <message>
        <source>Drop files or folders anywhere on the window to add them.</source>
        <translation>把文件或文件夹拖到窗口任意位置即可添加。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Chunks</source>
        <translation>片段</translation>
    </message>
    <message>
        <source>Opening the document index…</source>
        <translation>正在打开文档索引…</translation>
    </message>
    <message>
        <source>“%s”: %d files updated from a watched folder.</source>
        <translation>“%s”：监视的文件夹中有 %d 个文件已更新。</translation>
    </message>
    <message>
        <source>%s (%d files)</source>
        <translation>%s（%d 个文件）</translation>
    </message>
    <message>
        <source>%s
in “%s”</source>
        <translation>%s
在“%s”中</translation>
    </message>
    <message>
        <source>indexed</source>
        <translation>已索引</translation>
    </message>
    <message>
        <source>indexed (OCR)</source>
        <translation>已索引（OCR）</translation>
    </message>
    <message>
        <source>needs password</source>
        <translation>需要密码</translation>
    </message>
    <message>
        <source>wrong password</source>
        <translation>密码错误</translation>
    </message>
    <message>
        <source>no text (scanned: needs OCR)</source>
        <translation>没有文字（扫描件：需要 OCR）</translation>
    </message>
    <message>
        <source>damaged</source>
        <translation>文件损坏</translation>
    </message>
    <message>
        <source>unsupported</source>
        <translation>不支持</translation>
    </message>
    <message>
        <source>too large</source>
        <translation>太大</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>empty</source>
        <translation>空文件</translation>
    </message>
    <message>
        <source>garbled text</source>
        <translation>文字乱码</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <source>not found</source>
        <translation>找不到</translation>
    </message>
    <message>
        <source>Double-click to enter the password.</source>
        <translation>双击输入密码。</translation>
    </message>
    <message>
        <source>Hearth reads only regular files, and follows links only inside the folder; right-click to remove the row.</source>
        <translation>Hearth 只读取普通文件，只跟随文件夹内部的链接；右键可移除这一行。</translation>
    </message>
    <message>
        <source>Double-click to retry; right-click to remove.</source>
        <translation>双击重试；右键移除。</translation>
    </message>
    <message>
        <source>Add documents</source>
        <translation>添加文档</translation>
    </message>
    <message>
        <source>Add a folder</source>
        <translation>添加文件夹</translation>
    </message>
    <message>
        <source>Indexing into “%s”…</source>
        <translation>正在索引到“%s”…</translation>
    </message>
    <message>
        <source>%v of %m files</source>
        <translation>%v / %m 个文件</translation>
    </message>
    <message>
        <source>looking for files</source>
        <translation>查找文件</translation>
    </message>
    <message>
        <source>reading</source>
        <translation>读取</translation>
    </message>
    <message>
        <source>understanding</source>
        <translation>理解</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>“%s”: %s %s</source>
        <translation>“%s”：%s %s</translation>
    </message>
    <message>
        <source>“%s”: %d files indexed, %d need attention.</source>
        <translation>“%s”：已索引 %d 个文件，%d 个需要处理。</translation>
    </message>
    <message>
        <source>Enter password…</source>
        <translation>输入密码…</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Show reason</source>
        <translation>显示原因</translation>
    </message>
    <message>
        <source>Remove from collection</source>
        <translation>从文档集中移除</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password for %s:</source>
        <translation>%s 的密码：</translation>
    </message>
    <message>
        <source>New collection</source>
        <translation>新建文档集</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Rename collection</source>
        <translation>重命名文档集</translation>
    </message>
    <message>
        <source>Delete collection</source>
        <translation>删除文档集</translation>
    </message>
    <message>
        <source>Delete “%s” and its index? Your files themselves are not touched.</source>
        <translation>删除“%s”及其索引？你的文件本身不会受影响。</translation>
    </message>
    <message>
        <source>Re-indexing “%s”…</source>
        <translation>正在重新索引“%s”…</translation>
    </message>
    <message>
        <source>Folder to watch</source>
        <translation>要监视的文件夹</translation>
    </message>
</context>
<context>
    <name>EmbedderRow</name>
    <message>
        <source>Embedding model</source>
        <translation>嵌入模型</translation>
    </message>
    <message>
        <source>Changing it offers to re-index the collections made with the old one.</source>
        <translation>更改后会提示重新索引用旧模型建立的文档集。</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Add a sentence-transformers model folder</source>
        <translation>添加 sentence-transformers 模型文件夹</translation>
    </message>
    <message>
        <source>%s (not found)</source>
        <translation>%s（找不到）</translation>
    </message>
    <message>
        <source>Choose a sentence-transformers model folder</source>
        <translation>选择 sentence-transformers 模型文件夹</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The model stopped unexpectedly: %s. It restarts on your next message.</source>
        <translation>模型意外停止：%s。发送下一条消息时会自动重启。</translation>
    </message>
    <message>
        <source>File not found: %s</source>
        <translation>找不到文件：%s</translation>
    </message>
    <message>
        <source>Hearth may not read or write %s. Check the file's permissions.</source>
        <translation>Hearth 无法读写 %s。请检查文件权限。</translation>
    </message>
    <message>
        <source>Not enough memory. Try a smaller model or a shorter context in Settings.</source>
        <translation>内存不足。请在设置中选择更小的模型或更短的上下文。</translation>
    </message>
    <message>
        <source>Something went wrong: %s. Details are in the log.</source>
        <translation>出了点问题：%s。详情见日志。</translation>
    </message>
    <message>
        <source>Hearth hit a problem</source>
        <translation>Hearth 遇到问题</translation>
    </message>
    <message>
        <source>Your conversations are saved. If this keeps happening, copy the details into a bug report.</source>
        <translation>你的对话已保存。如果问题反复出现，请复制详情并提交问题报告。</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详情</translation>
    </message>
</context>
<context>
    <name>EvalPanel</name>
    <message>
        <source>Items</source>
        <translation>项数</translation>
    </message>
    <message>
        <source>Exact match</source>
        <translation>完全匹配</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>Abstains when unanswerable</source>
        <translation>无法回答时拒答</translation>
    </message>
    <message>
        <source>Abstains wrongly (answerable)</source>
        <translation>错误拒答（本可回答）</translation>
    </message>
    <message>
        <source>Cites a passage with the answer</source>
        <translation>引用了含答案的段落</translation>
    </message>
    <message>
        <source>Retrieves a passage with the answer</source>
        <translation>检索到含答案的段落</translation>
    </message>
    <message>
        <source>Sentences supported</source>
        <translation>有依据的句子</translation>
    </message>
    <message>
        <source>Unsupported numbers per answer</source>
        <translation>每个回答中无依据的数字</translation>
    </message>
    <message>
        <source>First token, median (s)</source>
        <translation>首个词元，中位数（秒）</translation>
    </message>
    <message>
        <source>Tokens per second</source>
        <translation>每秒词元数</translation>
    </message>
    <message>
        <source>Seconds per item</source>
        <translation>每项秒数</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Evaluate answers</source>
        <translation>评测回答</translation>
    </message>
    <message>
        <source>A QA set folder: docs/ and questions.jsonl</source>
        <translation>问答集文件夹：docs/ 和 questions.jsonl</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>My feedback set</source>
        <translation>我的反馈集</translation>
    </message>
    <message>
        <source>Your 👎 answers with a better answer, as questions</source>
        <translation>把你评为 👎 并写了更好回答的回答当作问题</translation>
    </message>
    <message>
        <source>No set chosen.</source>
        <translation>尚未选择评测集。</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B (compared with A)</source>
        <translation>B（与 A 比较）</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>B − A (95% interval)</source>
        <translation>B − A（95% 区间）</translation>
    </message>
    <message>
        <source>Open report</source>
        <translation>打开报告</translation>
    </message>
    <message>
        <source>Set</source>
        <translation>评测集</translation>
    </message>
    <message>
        <source>Questions (drawn with the seed)</source>
        <translation>问题数（按种子抽取）</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Cannot list the models: %s</source>
        <translation>无法列出模型：%s</translation>
    </message>
    <message>
        <source>Choose a QA set folder</source>
        <translation>选择问答集文件夹</translation>
    </message>
    <message>
        <source>Reading %s…</source>
        <translation>正在读取 %s…</translation>
    </message>
    <message>
        <source>%s: %s questions (%s unanswerable), %s documents.</source>
        <translation>%s：%s 个问题（%s 个无法回答），%s 个文档。</translation>
    </message>
    <message>
        <source>Not a QA set: %s</source>
        <translation>不是问答集：%s</translation>
    </message>
    <message>
        <source>Your feedback set could not be made: %s</source>
        <translation>无法生成你的反馈集：%s</translation>
    </message>
    <message>
        <source>Your feedback set is empty: rate an answer 👎 and write a better answer to add a question to it. Choose a QA set folder instead.</source>
        <translation>你的反馈集是空的：把一个回答评为 👎 并写出更好的回答，就能往里添加问题。请改为选择一个问答集文件夹。</translation>
    </message>
    <message>
        <source>Starting: loading the model…</source>
        <translation>正在开始：加载模型…</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Indexing the set's documents: %d of %d files…</source>
        <translation>正在索引评测集的文档：%d / %d 个文件…</translation>
    </message>
    <message>
        <source>%d of %d answers · %s left</source>
        <translation>%d / %d 个回答 · 还剩 %s</translation>
    </message>
    <message>
        <source>Answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <source>The evaluation did not run: %s</source>
        <translation>评测没有运行：%s</translation>
    </message>
    <message>
        <source>, %s items a minute</source>
        <translation>，每分钟 %s 项</translation>
    </message>
    <message>
        <source>Stopped: %d items scored%s. The report holds them.</source>
        <translation>已停止：已评分 %d 项%s。报告中包含这些结果。</translation>
    </message>
    <message>
        <source>Done: %d items scored%s.</source>
        <translation>完成：已评分 %d 项%s。</translation>
    </message>
    <message>
        <source>B better on %d items, equal on %d, worse on %d.</source>
        <translation>B 在 %d 项上更好，%d 项持平，%d 项更差。</translation>
    </message>
</context>
<context>
    <name>HubDialog</name>
    <message>
        <source>Find a model online</source>
        <translation>在线查找模型</translation>
    </message>
    <message>
        <source>Model name, e.g. qwen 1.5b instruct</source>
        <translation>模型名称，例如 qwen 1.5b instruct</translation>
    </message>
    <message>
        <source>Most downloaded</source>
        <translation>下载最多</translation>
    </message>
    <message>
        <source>Recently updated</source>
        <translation>最近更新</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载量</translation>
    </message>
    <message>
        <source>Likes</source>
        <translation>点赞数</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
    <message>
        <source>Access</source>
        <translation>访问</translation>
    </message>
    <message>
        <source>Quantisation</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Fits this computer</source>
        <translation>适合本机</translation>
    </message>
    <message>
        <source>Expected speed</source>
        <translation>预计速度</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Use for this chat</source>
        <translation>用于本对话</translation>
    </message>
    <message>
        <source>Compare on my documents</source>
        <translation>在我的文档上比较</translation>
    </message>
    <message>
        <source>Evaluate the chat's model (A) against this one (B) on your feedback set or a QA folder</source>
        <translation>在你的反馈集或问答文件夹上，把本对话的模型 (A) 与这个模型 (B) 进行比较评测</translation>
    </message>
    <message>
        <source>Nothing is sent to the internet until you search.</source>
        <translation>在你搜索之前，不会向互联网发送任何内容。</translation>
    </message>
    <message>
        <source>Searching the hub for “%s”…</source>
        <translation>正在 Hub 上搜索“%s”…</translation>
    </message>
    <message>
        <source>The search did not work: %s</source>
        <translation>搜索失败：%s</translation>
    </message>
    <message>
        <source>needs a token</source>
        <translation>需要令牌</translation>
    </message>
    <message>
        <source>open</source>
        <translation>公开</translation>
    </message>
    <message>
        <source>%d GGUF models found for “%s”.</source>
        <translation>找到 %d 个与“%s”相关的 GGUF 模型。</translation>
    </message>
    <message>
        <source>No GGUF models found for “%s”.</source>
        <translation>没有找到与“%s”相关的 GGUF 模型。</translation>
    </message>
    <message>
        <source>Reading the files of %s…</source>
        <translation>正在读取 %s 的文件…</translation>
    </message>
    <message>
        <source>The files of %s could not be listed: %s</source>
        <translation>无法列出 %s 的文件：%s</translation>
    </message>
    <message>
        <source>Part %s of the split file is missing; it cannot be loaded.</source>
        <translation>分卷文件缺少第 %s 部分，无法加载。</translation>
    </message>
    <message>
        <source>~%s tokens/s</source>
        <translation>约 %s 词元/秒</translation>
    </message>
    <message>
        <source> (%d parts)</source>
        <translation>（%d 个分卷）</translation>
    </message>
    <message>
        <source>Measured on %s</source>
        <translation>测于 %s</translation>
    </message>
    <message>
        <source>has its own chat template</source>
        <translation>自带对话模板</translation>
    </message>
    <message>
        <source>has no chat template (Hearth picks one for %s)</source>
        <translation>没有对话模板（Hearth 会为 %s 选择一个）</translation>
    </message>
    <message>
        <source>%s: %s, %s tokens of context; %s.</source>
        <translation>%s：%s，上下文 %s 个词元；%s。</translation>
    </message>
    <message>
        <source>%d files in %s.</source>
        <translation>共 %d 个文件，来自 %s。</translation>
    </message>
    <message>
        <source>Downloading %s…</source>
        <translation>正在下载 %s…</translation>
    </message>
    <message>
        <source>%s is ready (checked against the hub's checksum).</source>
        <translation>%s 已就绪（已用 Hub 的校验和核对）。</translation>
    </message>
    <message>
        <source>The download did not finish: %s</source>
        <translation>下载没有完成：%s</translation>
    </message>
    <message>
        <source>Using %s for this chat.</source>
        <translation>本对话正在使用 %s。</translation>
    </message>
</context>
<context>
    <name>LocalServerTab</name>
    <message>
        <source>Serve an OpenAI-compatible API on this computer</source>
        <translation>在这台电脑上提供兼容 OpenAI 的 API</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <source>Editors, scripts and notebooks use this URL with any OpenAI client (any API key). Only programs on this computer can reach it; `hearth serve` offers more options.</source>
        <translation>编辑器、脚本和笔记本可以用任意 OpenAI 客户端（任意 API 密钥）访问这个 URL。只有这台电脑上的程序能连接它；`hearth serve` 提供更多选项。</translation>
    </message>
    <message>
        <source>Serving. Answers from other programs wait their turn with yours.</source>
        <translation>服务中。其他程序的请求会和你的一起排队等候回答。</translation>
    </message>
    <message>
        <source>Not serving.</source>
        <translation>未在服务。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>This chat</source>
        <translation>本对话</translation>
    </message>
    <message>
        <source>Model: not loaded yet</source>
        <translation>模型：尚未加载</translation>
    </message>
    <message>
        <source>The Prompts and Adapters tabs could not be opened: %s</source>
        <translation>无法打开“提示词”和“适配器”标签页：%s</translation>
    </message>
    <message>
        <source>Prompts</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Adapters</source>
        <translation>适配器</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Import chat (JSON)…</source>
        <translation>导入对话 (JSON)(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Deleted chats…</source>
        <translation>已删除的对话(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Add documents…</source>
        <translation>添加文档(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Side &amp;panel</source>
        <translation>侧边栏(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Search chats</source>
        <translation>搜索对话(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Copy last answer</source>
        <translation>复制上一个回答(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Edit last question	Up</source>
        <translation>编辑上一个问题(&amp;E)	Up</translation>
    </message>
    <message>
        <source>&amp;Stop the answer	Esc</source>
        <translation>停止回答(&amp;S)	Esc</translation>
    </message>
    <message>
        <source>&amp;Models</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Model manager…</source>
        <translation>模型管理(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Find online…</source>
        <translation>在线查找(&amp;F)…</translation>
    </message>
    <message>
        <source>Add a &amp;server…</source>
        <translation>添加服务器(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Evaluate answers…</source>
        <translation>评测回答(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Quality dashboard…</source>
        <translation>质量看板(&amp;Q)…</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Welcome</source>
        <translation>欢迎页(&amp;W)</translation>
    </message>
    <message>
        <source>Import chat</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Chats (*.json)</source>
        <translation>对话 (*.json)</translation>
    </message>
    <message>
        <source>Could not import %s: %s</source>
        <translation>无法导入 %s：%s</translation>
    </message>
    <message>
        <source>Model: loading…</source>
        <translation>模型：加载中…</translation>
    </message>
    <message>
        <source>Model: %s</source>
        <translation>模型：%s</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>Model: failed to load</source>
        <translation>模型：加载失败</translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Reading the models…</source>
        <translation>正在读取模型…</translation>
    </message>
    <message>
        <source>Add from disk…</source>
        <translation>从磁盘添加…</translation>
    </message>
    <message>
        <source>Use for this chat</source>
        <translation>用于本对话</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Cancel loading</source>
        <translation>取消加载</translation>
    </message>
    <message>
        <source>auto: as many as fit; 0: CPU only; -1: all layers</source>
        <translation>auto：尽量多放；0：只用 CPU；-1：全部层</translation>
    </message>
    <message>
        <source>from the model</source>
        <translation>使用模型的设置</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Suits</source>
        <translation>适合</translation>
    </message>
    <message>
        <source>Fits this computer</source>
        <translation>适合本机</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Good instruction-following models. Downloads resume if interrupted and are checked before use.</source>
        <translation>优秀的指令模型。下载中断后可继续，使用前会校验。</translation>
    </message>
    <message>
        <source>Find online…</source>
        <translation>在线查找…</translation>
    </message>
    <message>
        <source>Search the Hugging Face hub for GGUF models; nothing is sent until you search.</source>
        <translation>在 Hugging Face Hub 上搜索 GGUF 模型；在你搜索之前不会发送任何内容。</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>No models yet. Add a GGUF file from disk or download one.</source>
        <translation>还没有模型。请从磁盘添加 GGUF 文件或下载一个。</translation>
    </message>
    <message>
        <source>%s: %s, %s, %s tokens of context, %s.</source>
        <translation>%s：%s，%s，上下文 %s 个词元，%s。</translation>
    </message>
    <message>
        <source>Add a model</source>
        <translation>添加模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>Checking %s…</source>
        <translation>正在检查 %s…</translation>
    </message>
    <message>
        <source>Added %s.</source>
        <translation>已添加 %s。</translation>
    </message>
    <message>
        <source>Not added: %s</source>
        <translation>未添加：%s</translation>
    </message>
    <message>
        <source>Loading %s…</source>
        <translation>正在加载 %s…</translation>
    </message>
    <message>
        <source>Loaded %s.</source>
        <translation>已加载 %s。</translation>
    </message>
    <message>
        <source>The model could not be loaded: %s</source>
        <translation>无法加载模型：%s</translation>
    </message>
    <message>
        <source>Loading cancelled.</source>
        <translation>已取消加载。</translation>
    </message>
    <message>
        <source>Saved; used the next time a model loads.</source>
        <translation>已保存；下次加载模型时生效。</translation>
    </message>
    <message>
        <source>%s (unverified)</source>
        <translation>%s（未验证）</translation>
    </message>
    <message>
        <source>No checksum for %s has been published with Hearth's catalog, so Hearth cannot prove the file is the one its authors released; only its size (and the checksum the hub announces, if any) is checked.</source>
        <translation>Hearth 的模型目录没有发布 %s 的校验和，因此 Hearth 无法证明该文件就是作者发布的那个；只会检查它的大小（以及 Hub 公布的校验和，如果有）。</translation>
    </message>
    <message>
        <source>Download an unverified model?</source>
        <translation>下载未经验证的模型？</translation>
    </message>
    <message>
        <source>Download it anyway?</source>
        <translation>仍然下载？</translation>
    </message>
    <message>
        <source>%s is already downloading.</source>
        <translation>%s 已在下载中。</translation>
    </message>
    <message>
        <source>%s was not downloaded.</source>
        <translation>%s 未下载。</translation>
    </message>
    <message>
        <source>Downloading %s…</source>
        <translation>正在下载 %s…</translation>
    </message>
    <message>
        <source>%s is ready.</source>
        <translation>%s 已就绪。</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <source>Model of this chat</source>
        <translation>本对话的模型</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>Runs on another computer: this chat's messages are sent there.</source>
        <translation>在另一台电脑上运行：本对话的消息会发送到那里。</translation>
    </message>
    <message>
        <source>Add a server…</source>
        <translation>添加服务器…</translation>
    </message>
    <message>
        <source>Find models online…</source>
        <translation>在线查找模型…</translation>
    </message>
    <message>
        <source>Loading %s…</source>
        <translation>正在加载 %s…</translation>
    </message>
    <message>
        <source>Could not load: %s</source>
        <translation>无法加载：%s</translation>
    </message>
    <message>
        <source>on a server; loads there</source>
        <translation>在服务器上；在那里加载</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>loads when you send</source>
        <translation>发送时加载</translation>
    </message>
</context>
<context>
    <name>ModelsTable</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Fits this computer</source>
        <translation>适合本机</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>cannot be used</source>
        <translation>无法使用</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>tight</source>
        <translation>勉强</translation>
    </message>
    <message>
        <source>too big</source>
        <translation>太大</translation>
    </message>
    <message>
        <source>built in</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>added</source>
        <translation>已添加</translation>
    </message>
</context>
<context>
    <name>PromptsPanel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Variables</source>
        <translation>变量</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Saved {0} as version {1}</source>
        <translation>已将 {0} 保存为第 {1} 版</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>复制一份</translation>
    </message>
    <message>
        <source>name = default, one per line</source>
        <translation>名称 = 默认值，每行一个</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Use as persona</source>
        <translation>用作人设</translation>
    </message>
    <message>
        <source>Diff with current</source>
        <translation>与当前版本对比</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>(built-in)</source>
        <translation>（内置）</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <source>Delete template</source>
        <translation>删除模板</translation>
    </message>
    <message>
        <source>Delete {0} and all its versions?</source>
        <translation>删除 {0} 及其所有版本？</translation>
    </message>
    <message>
        <source>No changes</source>
        <translation>没有改动</translation>
    </message>
    <message>
        <source>Restored version {0} as version {1}</source>
        <translation>已将第 {0} 版恢复为第 {1} 版</translation>
    </message>
    <message>
        <source>Rendering {0}…</source>
        <translation>正在生成 {0}…</translation>
    </message>
    <message>
        <source>Replace templates?</source>
        <translation>替换模板？</translation>
    </message>
    <message>
        <source>These templates exist already: {0}. Replace them?</source>
        <translation>这些模板已存在：{0}。要替换吗？</translation>
    </message>
    <message>
        <source>Imported: </source>
        <translation>已导入：</translation>
    </message>
    <message>
        <source>Exported to </source>
        <translation>已导出到 </translation>
    </message>
    <message>
        <source>Import templates</source>
        <translation>导入模板</translation>
    </message>
    <message>
        <source>Templates (*.md *.txt)</source>
        <translation>模板 (*.md *.txt)</translation>
    </message>
    <message>
        <source>Export template</source>
        <translation>导出模板</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
</context>
<context>
    <name>QualityDashboard</name>
    <message>
        <source>Quality dashboard</source>
        <translation>质量看板</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>Last 90 days</source>
        <translation>最近 90 天</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>Answers per day</source>
        <translation>每天的回答数</translation>
    </message>
    <message>
        <source>Ratings per day</source>
        <translation>每天的评价数</translation>
    </message>
    <message>
        <source>Time to first token (s)</source>
        <translation>首个词元用时（秒）</translation>
    </message>
    <message>
        <source>Tokens per second</source>
        <translation>每秒词元数</translation>
    </message>
    <message>
        <source>Context window used</source>
        <translation>已用上下文窗口</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>回答数</translation>
    </message>
    <message>
        <source>First token (median)</source>
        <translation>首个词元（中位数）</translation>
    </message>
    <message>
        <source>Tokens/s (median)</source>
        <translation>词元/秒（中位数）</translation>
    </message>
    <message>
        <source>Context used (median)</source>
        <translation>已用上下文（中位数）</translation>
    </message>
    <message>
        <source>The numbers could not be read: %s</source>
        <translation>无法读取这些数据：%s</translation>
    </message>
    <message>
        <source>1 answer</source>
        <translation>1 个回答</translation>
    </message>
    <message>
        <source>%d answers</source>
        <translation>%d 个回答</translation>
    </message>
    <message>
        <source>👍 %d  👎 %d (%.0f%% 👍)</source>
        <translation>👍 %d  👎 %d（%.0f%% 👍）</translation>
    </message>
    <message>
        <source>no ratings yet</source>
        <translation>还没有评价</translation>
    </message>
    <message>
        <source>context used: median %.0f%%, at most %.0f%%</source>
        <translation>已用上下文：中位数 %.0f%%，最多 %.0f%%</translation>
    </message>
    <message>
        <source>%d answers left out old turns to fit</source>
        <translation>%d 个回答为放进上下文省略了早先的对话</translation>
    </message>
    <message>
        <source>answers</source>
        <translation>回答</translation>
    </message>
    <message>
        <source>👍 up</source>
        <translation>👍 好</translation>
    </message>
    <message>
        <source>👎 down</source>
        <translation>👎 差</translation>
    </message>
</context>
<context>
    <name>ReindexDialog</name>
    <message>
        <source>Re-index documents</source>
        <translation>重新索引文档</translation>
    </message>
    <message numerus="yes">
        <source>%n collection(s) were indexed with the previous embedding model and cannot be searched with the new one until they are re-indexed: %1.</source>
        <translation>
            <numerusform>%n 个文档集是用之前的嵌入模型建立索引的，重新索引之前无法用新模型检索：%1。</numerusform>
        </translation>
    </message>
    <message>
        <source>Re-index now</source>
        <translation>立即重新索引</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>Stopping after the current file…</source>
        <translation>处理完当前文件后停止…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Re-indexing %1 (%2 of %3)… %4</source>
        <translation>正在重新索引 %1（%2 / %3）… %4</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Re-indexed %1 collection(s), %2 file(s).</source>
        <translation>已重新索引 %1 个文档集，%2 个文件。</translation>
    </message>
</context>
<context>
    <name>RemoteServerDialog</name>
    <message>
        <source>Add a model server</source>
        <translation>添加模型服务器</translation>
    </message>
    <message>
        <source>gpu-box</source>
        <translation>gpu-box</translation>
    </message>
    <message>
        <source>only if the server needs one (kept in the system keyring)</source>
        <translation>仅当服务器需要时填写（保存在系统密钥环中）</translation>
    </message>
    <message>
        <source>Empty: the first model the server lists. Test fills this list.</source>
        <translation>留空：使用服务器列出的第一个模型。点“测试”会填充这个列表。</translation>
    </message>
    <message>
        <source>Test lists the models the server offers.</source>
        <translation>“测试”会列出服务器提供的模型。</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation>服务器 URL</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Send my chats to %s (not this computer): what I type, and passages from my documents, go there</source>
        <translation>把我的对话发送到 %s（而不是这台电脑）：我输入的内容和文档中的段落都会发送到那里</translation>
    </message>
    <message>
        <source>Asking %s for its models…</source>
        <translation>正在向 %s 查询可用模型…</translation>
    </message>
    <message>
        <source>The server at %s answers and offers %d model(s): %s</source>
        <translation>%s 上的服务器有响应，提供 %d 个模型：%s</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>The size of all text: the chat, the lists and the dialogs</source>
        <translation>所有文字的大小：对话、列表和对话框</translation>
    </message>
    <message>
        <source>none: answers get no system prompt</source>
        <translation>无：回答时不使用系统提示</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>文字大小</translation>
    </message>
    <message>
        <source>Default system prompt</source>
        <translation>默认系统提示</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>the built-in SmolLM2 model</source>
        <translation>内置的 SmolLM2 模型</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Choose the default model</source>
        <translation>选择默认模型</translation>
    </message>
    <message>
        <source>from the model (capped by memory)</source>
        <translation>使用模型的设置（受内存限制）</translation>
    </message>
    <message>
        <source>auto: as many layers as fit; 0: CPU only; -1: all layers</source>
        <translation>auto：尽量多放；0：只用 CPU；-1：全部层</translation>
    </message>
    <message>
        <source>from the model</source>
        <translation>来自模型</translation>
    </message>
    <message>
        <source>custom (set from the command line)</source>
        <translation>自定义（由命令行设置）</translation>
    </message>
    <message>
        <source>The saved Hugging Face token was removed from the keyring.</source>
        <translation>已从系统密钥环中移除保存的 Hugging Face 令牌。</translation>
    </message>
    <message>
        <source>Default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Prompt format</source>
        <translation>提示格式</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>Hugging Face token</source>
        <translation>Hugging Face 令牌</translation>
    </message>
    <message>
        <source>paste a token to save or replace it</source>
        <translation>粘贴令牌以保存或替换</translation>
    </message>
    <message>
        <source>Needed only for gated models. Kept in the system keyring, never in the settings file; sent only to huggingface.co.</source>
        <translation>只有受限模型才需要。保存在系统密钥环中，绝不写入设置文件；只会发送给 huggingface.co。</translation>
    </message>
    <message>
        <source>Forget saved token</source>
        <translation>忘记保存的令牌</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top p</source>
        <translation>Top p</translation>
    </message>
    <message>
        <source>Top k</source>
        <translation>Top k</translation>
    </message>
    <message>
        <source>Min p</source>
        <translation>Min p</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Longest answer (tokens)</source>
        <translation>最长回答（词元）</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>回答</translation>
    </message>
    <message>
        <source>Embedding model</source>
        <translation>嵌入模型</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Conversations and documents</source>
        <translation>对话和文档</translation>
    </message>
    <message>
        <source>Cache</source>
        <translation>缓存</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Open the folder: %s</source>
        <translation>打开文件夹：%s</translation>
    </message>
    <message>
        <source>Set HEARTH_HOME (or start with --home FOLDER) to keep everything elsewhere.</source>
        <translation>设置 HEARTH_HOME（或用 --home 文件夹 启动）可把所有数据放到别处。</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Local server</source>
        <translation>本机服务器</translation>
    </message>
    <message>
        <source>Choose a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Enter</translation>
    </message>
    <message>
        <source>Send the message</source>
        <translation>发送消息</translation>
    </message>
    <message>
        <source>Shift+Enter</source>
        <translation>Shift+Enter</translation>
    </message>
    <message>
        <source>New line in the message</source>
        <translation>在消息中换行</translation>
    </message>
    <message>
        <source>Stop the answer (what was written is kept); cancel editing a question</source>
        <translation>停止回答（已写出的内容会保留）；取消编辑问题</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>↑</translation>
    </message>
    <message>
        <source>In an empty message box: edit your last question</source>
        <translation>在空输入框中：编辑你的上一个问题</translation>
    </message>
    <message>
        <source>Copy the last answer</source>
        <translation>复制上一个回答</translation>
    </message>
    <message>
        <source>/</source>
        <translation>/</translation>
    </message>
    <message>
        <source>In the message box: use a prompt template</source>
        <translation>在输入框中：使用提示词模板</translation>
    </message>
    <message>
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Show or hide the side panel</source>
        <translation>显示或隐藏侧边栏</translation>
    </message>
    <message>
        <source>Model manager</source>
        <translation>模型管理</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>What they do</source>
        <translation>作用</translation>
    </message>
</context>
<context>
    <name>SourceViewer</name>
    <message>
        <source>Opening %s…</source>
        <translation>正在打开 %s…</translation>
    </message>
    <message>
        <source>Open in the system app</source>
        <translation>用系统应用打开</translation>
    </message>
    <message>
        <source>Page %d of %d.</source>
        <translation>第 %d 页，共 %d 页。</translation>
    </message>
    <message>
        <source>The passage is highlighted.</source>
        <translation>已高亮该段落。</translation>
    </message>
    <message>
        <source>The passage's text could not be found on the page (it may have been read by OCR).</source>
        <translation>在这一页上找不到该段落的文字（它可能是通过 OCR 识别的）。</translation>
    </message>
    <message>
        <source>the passage is highlighted.</source>
        <translation>已高亮该段落。</translation>
    </message>
    <message>
        <source>The passage could not be found in the file (it may have changed since it was indexed).</source>
        <translation>在文件中找不到该段落（文件可能在建立索引后被修改过）。</translation>
    </message>
    <message>
        <source>Hearth cannot show %s: %s</source>
        <translation>Hearth 无法显示 %s：%s</translation>
    </message>
</context>
<context>
    <name>TemplatePicker</name>
    <message>
        <source>Use template</source>
        <extracomment>How long a render may run on the GUI thread before it is handed to a worker thread. Templates longer than this (system + body) are rendered on a worker thread at once (compiling takes time).</extracomment>
        <translation>使用模板</translation>
    </message>
    <message>
        <source>Rendering the template…</source>
        <translation>正在生成模板内容…</translation>
    </message>
</context>
<context>
    <name>WelcomeDialog</name>
    <message>
        <source>Welcome to Hearth</source>
        <translation>欢迎使用 Hearth</translation>
    </message>
    <message>
        <source>Hearth is an assistant that runs entirely on this computer. Your conversations and documents never leave it, and it works without an internet connection.</source>
        <translation>Hearth 是一个完全在这台电脑上运行的助手。你的对话和文档永远不会离开这台电脑，没有网络也能使用。</translation>
    </message>
    <message>
        <source>It starts with a small built-in model (SmolLM2, 135 million parameters) so you can chat right away. It is quick but simple; for better answers, download a larger model in the model manager.</source>
        <translation>它自带一个小模型（SmolLM2，1.35 亿参数），可以马上开始聊天。它很快但比较简单；想要更好的回答，请在模型管理中下载更大的模型。</translation>
    </message>
    <message>
        <source>Drop PDFs, Word files or text files on the window to ask questions about them; answers cite the page they came from.</source>
        <translation>把 PDF、Word 或文本文件拖到窗口上，就可以就它们提问；回答会注明出处页码。</translation>
    </message>
    <message>
        <source>See better models…</source>
        <translation>查看更好的模型…</translation>
    </message>
    <message>
        <source>Start chatting</source>
        <translation>开始聊天</translation>
    </message>
</context>
</TS>